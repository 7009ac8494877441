// Model-draft contract (shared): a draft as stored on disk and as the app lists it; the spec may be mid-edit (invalid).
import { z } from 'zod';

/** A draft's spec as the user left it: a name and the rest loosely typed, because a draft may be invalid while edited. */
/** One field of a layer as edited: the spec's value kinds, loosely, but bounded (a draft is stored and sent whole). */
const num = z.number().min(-1e9).max(1e9);
const DraftFieldValue = z.union([
  z.string().max(200), num, z.boolean(), z.null(),
  z.array(z.union([num, z.string().max(64), z.array(num).max(4)])).max(16),
  z.record(z.string().max(32), num),
]);
export const DraftSpecSchema = z.object({
  name: z.string().min(1, 'a draft needs a name').max(120),
  inputShape: z.array(z.number().min(0).max(1_000_000)).max(4),
  layers: z.array(z.record(z.string().max(64), DraftFieldValue)).max(64),
});

export type DraftSpec = z.infer<typeof DraftSpecSchema>;

export const DraftFileSchema = z.object({
  format: z.literal('fmw-model-draft'),
  version: z.literal(1),
  savedAt: z.string().max(40),
  /** The preset the draft started from, if any. */
  presetId: z.string().max(64).nullable().default(null),
  spec: DraftSpecSchema,
});
export type DraftFile = z.infer<typeof DraftFileSchema>;

export const DraftSummarySchema = z.object({ name: z.string().max(120), stem: z.string().max(80), savedAt: z.string().max(40), presetId: z.string().max(64).nullable() });
export type DraftSummary = z.infer<typeof DraftSummarySchema>;

export const DRAFT_REQUESTS = {
  /** Every saved draft with its spec; files that cannot be read are listed in `damaged`. */
  listDrafts: {
    request: z.object({}),
    response: z.object({
      drafts: z.array(DraftFileSchema).max(1000),
      damaged: z.array(z.object({ file: z.string().max(4096), message: z.string().max(2000) })).max(1000),
    }),
  },
  /** Writes the draft under its name (replacing the draft of that name); `previousName` is removed after a rename. */
  saveDraft: {
    request: z.object({ spec: DraftSpecSchema, presetId: z.string().max(64).nullable().default(null), previousName: z.string().max(120).optional() }),
    response: DraftSummarySchema,
  },
  deleteDraft: { request: z.object({ name: z.string().min(1).max(120) }), response: z.object({ ok: z.literal(true) }) },
} as const;

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)$/i;

/**
 * The file stem of a draft name: lower-case letters, digits, "-" and "_" only, at most 80 characters, never empty, never
 * a dot name or a Windows device name. "../../etc/passwd" becomes "etc-passwd": no name can leave the drafts folder.
 * Two drafts whose names give one stem are one draft on disk.
 */
export function draftFileStem(name: string): string {
  const stem = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+|[-_]+$/g, '').slice(0, 80).replace(/[-_]+$/, '');
  if (!stem) return 'model';
  return WINDOWS_RESERVED.test(stem) ? `model-${stem}` : stem;
}
