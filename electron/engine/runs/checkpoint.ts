// Engine/runs: a run's checkpoints on disk, one self-checking file each (checkpoints/last.ckpt, checkpoints/best.ckpt).
// A file is a header (JSON state, validated on read: an imported run is hostile until checked) and the tensor bytes,
// written with writeFileAtomic so a reader or a crash sees a whole checkpoint or the previous one, never a mix.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { EpochSummarySchema } from '../../../shared/run.js';
import { writeFileAtomic } from './atomic.js';
import { StoreError, describe, errnoCode } from './errors.js';

export const CHECKPOINT_DIR = 'checkpoints';
export type CheckpointKind = 'last' | 'best';
const MAGIC = 'FMWCKPT1';
const MAX_TENSORS = 100_000;
const MAX_BYTES = 4 * 1024 ** 3;

const finite = z.number();
export const CheckpointTensorSchema = z.object({
  /** model: the model's weights (trainable and not), optimizer: its state, esBest: early stopping's best weights. */
  group: z.enum(['model', 'optimizer', 'esBest']),
  name: z.string().max(500),
  shape: z.array(z.number().int().min(0).max(1e9)).max(8),
  dtype: z.enum(['float32', 'int32']),
  offset: z.number().int().min(0).max(MAX_BYTES),
  bytes: z.number().int().min(0).max(MAX_BYTES),
});
export type CheckpointTensor = z.infer<typeof CheckpointTensorSchema>;

/** Everything besides tensors that the loop needs to continue exactly where it was. */
export const CheckpointStateSchema = z.object({
  version: z.literal(1),
  runId: z.string().max(128),
  /** Epochs completed (the next epoch to train is this index). */
  epochsDone: z.number().int().min(1).max(100_000),
  /** The last completed epoch's summary, so a log that missed its epochEnd (killed in between) can be completed. */
  summary: EpochSummarySchema,
  trainSeconds: finite.min(0),
  avgEpochSeconds: finite.min(0),
  /** Draws taken so far from the augmentation generator; a resume draws and drops as many. */
  augRngCalls: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** Layer index → its random step counter (seeded Dropout and any layer with a `steps` counter). */
  layerSteps: z.record(z.string().regex(/^\d{1,4}$/), z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)),
  earlyStopping: z.object({ best: finite.nullable(), bestEpoch: z.number().int().min(-1), wait: z.number().int().min(0), stopped: z.boolean() }).nullable(),
  /** ReduceLROnPlateau's state (absent in checkpoints from before the plateau schedule, and for other schedules). */
  plateau: z.object({ rate: finite, best: finite.nullable(), bad: z.number().int().min(0), cooldownLeft: z.number().int().min(0) }).nullable().optional(),
  /** Best validation accuracy so far (what best.ckpt is chosen by). */
  bestValAccuracy: finite,
  optimizer: z.object({ type: z.string().max(40), accBeta: z.tuple([finite, finite]).nullable() }),
  tensors: z.array(CheckpointTensorSchema).max(MAX_TENSORS),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type CheckpointState = z.infer<typeof CheckpointStateSchema>;

export interface CheckpointTensorData { meta: CheckpointTensor; data: Float32Array | Int32Array }

export function checkpointPath(runDir: string, kind: CheckpointKind): string {
  return path.join(runDir, CHECKPOINT_DIR, `${kind}.ckpt`);
}

/** Lays the tensors out after each other (4-byte aligned) and returns the file's bytes. */
export function encodeCheckpoint(state: Omit<CheckpointState, 'tensors' | 'sha256'>, tensors: Array<{ group: CheckpointTensor['group']; name: string; shape: number[]; data: Float32Array | Int32Array }>): Buffer {
  let offset = 0;
  const metas: CheckpointTensor[] = tensors.map((t) => {
    const meta: CheckpointTensor = { group: t.group, name: t.name, shape: t.shape, dtype: t.data instanceof Int32Array ? 'int32' : 'float32', offset, bytes: t.data.byteLength };
    offset += t.data.byteLength;
    return meta;
  });
  const body = Buffer.alloc(offset);
  tensors.forEach((t, i) => body.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), metas[i].offset));
  const sha256 = createHash('sha256').update(body).digest('hex');
  const header = Buffer.from(JSON.stringify({ ...state, tensors: metas, sha256 }), 'utf8');
  const pad = (4 - ((MAGIC.length + 4 + header.length) % 4)) % 4;
  const prefix = Buffer.alloc(MAGIC.length + 4);
  prefix.write(MAGIC, 0, 'ascii');
  prefix.writeUInt32LE(header.length + pad, MAGIC.length);
  return Buffer.concat([prefix, header, Buffer.alloc(pad, 0x20), body]);
}

/** Parses and checks a checkpoint's bytes; every inconsistency is a StoreError naming the file. */
export function decodeCheckpoint(bytes: Buffer, file: string, runId?: string): { state: CheckpointState; tensors: CheckpointTensorData[] } {
  const bad = (why: string) => new StoreError(`checkpoint ${file} is unusable: ${why}`, runId, file);
  if (bytes.length < MAGIC.length + 4 || bytes.toString('ascii', 0, MAGIC.length) !== MAGIC) throw bad('it does not start with the checkpoint marker');
  const headerLength = bytes.readUInt32LE(MAGIC.length);
  const bodyStart = MAGIC.length + 4 + headerLength;
  if (bodyStart > bytes.length) throw bad('its header runs past the end of the file (truncated?)');
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8', MAGIC.length + 4, bodyStart));
  } catch (err) {
    throw bad(`its header is not JSON (${describe(err)})`);
  }
  const parsed = CheckpointStateSchema.safeParse(raw);
  if (!parsed.success) throw bad(`its header does not match the checkpoint schema (${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join(', ')})`);
  const state = parsed.data;
  const body = bytes.subarray(bodyStart);
  if (createHash('sha256').update(body).digest('hex') !== state.sha256) throw bad('its tensor bytes do not match their checksum');
  const tensors = state.tensors.map((meta) => {
    const count = meta.shape.reduce((a, b) => a * b, 1);
    if (meta.bytes !== count * 4 || meta.offset % 4 !== 0 || meta.offset + meta.bytes > body.length) {
      throw bad(`tensor ${meta.name} (shape [${meta.shape.join(', ')}]) does not fit its ${meta.bytes} bytes at offset ${meta.offset}`);
    }
    const copy = new ArrayBuffer(meta.bytes);
    new Uint8Array(copy).set(body.subarray(meta.offset, meta.offset + meta.bytes));
    return { meta, data: meta.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy) };
  });
  return { state, tensors };
}

export async function writeCheckpoint(runDir: string, kind: CheckpointKind, bytes: Buffer): Promise<void> {
  await fs.mkdir(path.join(runDir, CHECKPOINT_DIR), { recursive: true });
  await writeFileAtomic(checkpointPath(runDir, kind), bytes);
}

/** The run's checkpoint of that kind, or null when it has none. */
export async function readCheckpoint(runDir: string, kind: CheckpointKind, runId?: string): Promise<ReturnType<typeof decodeCheckpoint> | null> {
  const file = checkpointPath(runDir, kind);
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw new StoreError(`cannot read checkpoint ${file}: ${describe(err)}`, runId, file);
  }
  return decodeCheckpoint(bytes, file, runId);
}
