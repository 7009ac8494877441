// Engine/drafts: model drafts on disk in the app's data folder (<appData>/models/<name>.json), shared by the app, browser
// mode and the CLI; atomic writes, file names derived from the model name and sanitised, every file checked on read.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ModelSpecSchema, type ModelSpec } from '../../../shared/spec.js';
import { SpecError, validateModelSpec } from '../../../shared/model/inferShapes.js';
import { KerasImportError, kerasToSpec } from '../../../shared/model/kerasImport.js';
import { writeFileAtomic } from '../runs/atomic.js';

/** A draft file: the spec as the user wrote it (defaults not applied, so it may be mid-edit), and where it came from. */
export const DraftFileSchema = z.object({
  format: z.literal('fmw-model-draft'),
  version: z.literal(1),
  savedAt: z.string(),
  presetId: z.string().max(64).nullable().default(null),
  /** The raw spec: a draft may be invalid while being edited; training validates it. */
  spec: z.object({ name: z.string().min(1).max(120), inputShape: z.array(z.number()), layers: z.array(z.unknown()).max(64) }).passthrough(),
});
export type DraftFile = z.infer<typeof DraftFileSchema>;

/** A draft that cannot be read, written or found; names the draft and the file. */
export class DraftError extends Error {
  override readonly name = 'DraftError';
  constructor(message: string, readonly draft?: string, readonly file?: string) {
    super(message);
  }
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)$/i;

/**
 * The file stem of a draft name: lower-case letters, digits, "-" and "_" only, at most 80 characters, never empty, never
 * a dot name or a Windows device name. "../../etc/passwd" becomes "etc-passwd": no name can leave the drafts folder.
 */
export function draftFileStem(name: string): string {
  const stem = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+|[-_]+$/g, '').slice(0, 80).replace(/[-_]+$/, '');
  if (!stem) return 'model';
  return WINDOWS_RESERVED.test(stem) ? `model-${stem}` : stem;
}

export interface DraftSummary {
  name: string;
  stem: string;
  savedAt: string;
  presetId: string | null;
}

export class DraftStore {
  readonly root: string;

  constructor(appDataDir: string) {
    this.root = path.join(path.resolve(appDataDir), 'models');
  }

  private file(name: string): string {
    return path.join(this.root, `${draftFileStem(name)}.json`);
  }

  /** Every readable draft, by name; unreadable files are reported in `damaged`, never fatal. */
  async list(): Promise<{ drafts: DraftSummary[]; damaged: { file: string; message: string }[] }> {
    let names: string[];
    try {
      names = (await fs.readdir(this.root)).filter((f) => f.endsWith('.json'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { drafts: [], damaged: [] };
      throw new DraftError(`could not list the drafts folder ${this.root}: ${(err as Error).message}`, undefined, this.root);
    }
    const drafts: DraftSummary[] = [];
    const damaged: { file: string; message: string }[] = [];
    for (const f of names.sort()) {
      try {
        const d = await this.readFile(path.join(this.root, f));
        drafts.push({ name: d.spec.name, stem: f.slice(0, -5), savedAt: d.savedAt, presetId: d.presetId });
      } catch (err) {
        damaged.push({ file: path.join(this.root, f), message: (err as Error).message });
      }
    }
    return { drafts, damaged };
  }

  private async readFile(file: string): Promise<DraftFile> {
    const text = await fs.readFile(file, 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new DraftError(`${file} is not JSON: ${(err as Error).message}`, undefined, file);
    }
    const parsed = DraftFileSchema.safeParse(json);
    if (!parsed.success) throw new DraftError(`${file} is not a model draft: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'file'}: ${i.message}`).join('; ')}`, undefined, file);
    return parsed.data;
  }

  /** The draft named `name` (matched by its file stem, so case and punctuation do not matter); the error lists the names there are. */
  async get(name: string): Promise<DraftFile> {
    const file = this.file(name);
    try {
      return await this.readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      const { drafts } = await this.list();
      const known = drafts.length ? `saved drafts: ${drafts.map((d) => `"${d.name}"`).join(', ')}` : `no drafts are saved in ${this.root}`;
      throw new DraftError(`no model draft named "${name}"; ${known}`, name, file);
    }
  }

  /** The draft's spec, validated for training (a SpecError names every problem). */
  async spec(name: string): Promise<ModelSpec> {
    return validateModelSpec((await this.get(name)).spec);
  }

  /** Writes (or replaces) the draft under its spec's name, atomically. */
  async save(spec: DraftFile['spec'], presetId: string | null = null): Promise<DraftSummary> {
    const file: DraftFile = DraftFileSchema.parse({ format: 'fmw-model-draft', version: 1, savedAt: new Date().toISOString(), presetId, spec });
    await fs.mkdir(this.root, { recursive: true });
    await writeFileAtomic(this.file(spec.name), `${JSON.stringify(file, null, 2)}\n`);
    return { name: spec.name, stem: draftFileStem(spec.name), savedAt: file.savedAt, presetId };
  }

  async remove(name: string): Promise<void> {
    await fs.rm(this.file(name), { force: true });
  }
}

/**
 * A model spec from an imported JSON text: our own draft file, a bare model spec, or a Keras model.to_json(). Hostile
 * until checked: the result passed the spec check (SpecError), and Keras models that do not map say why (DraftError).
 */
export function importModelJson(text: string): ModelSpec {
  if (text.length > 2_000_000) throw new DraftError(`the file is ${text.length} characters; a model spec is far smaller (at most 2,000,000)`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DraftError(`not JSON: ${(err as Error).message}`);
  }
  const obj = json as Record<string, unknown> | null;
  let spec: unknown = json;
  if (obj && typeof obj === 'object' && obj.format === 'fmw-model-draft') spec = obj.spec;
  else if (obj && typeof obj === 'object' && typeof obj.class_name === 'string' && 'config' in obj) {
    try {
      spec = kerasToSpec(obj);
    } catch (err) {
      if (err instanceof KerasImportError) throw new DraftError(err.message);
      throw err;
    }
  }
  try {
    return validateModelSpec(spec);
  } catch (err) {
    if (err instanceof SpecError) throw err;
    throw new DraftError(`not a model spec: ${(err as Error).message}`);
  }
}

/** The JSON a draft exports as: the parsed spec, which importModelJson reads back unchanged. */
export function exportModelJson(spec: ModelSpec): string {
  return `${JSON.stringify(ModelSpecSchema.parse(spec), null, 2)}\n`;
}
