// Engine/runs: reading one run folder's files, each failure turned into a line of "what is wrong" rather than a throw.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { RunConfigSchema, TestMetricsSchema, TrainEventSchema, type TrainEvent } from '../../../shared/run.js';
import { parseJsonLines } from './atomic.js';
import { StoreError, describe, errnoCode } from './errors.js';
import { StatusFileSchema } from './owner.js';
import type { RunFiles, RunMeta } from './summary.js';

export const CONFIG = 'config.json';
export const STATUS = 'status.json';
export const META = 'meta.json';
export const EVENTS = 'events.jsonl';
export const METRICS = 'metrics.json';
export const PREDICTIONS = 'predictions.json';
export const MODEL_DIR = 'model';

export const RunMetaSchema = z.object({
  name: z.string().min(1).max(200).optional(),
  tags: z.array(z.string().min(1).max(40)).max(20).optional(),
  importedFrom: z.string().optional(),
});

function issues(err: z.ZodError): string {
  return err.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join(', ');
}

type Read<T> = { value: T | null; problem: string | null };

/** Reads and checks one JSON file; a missing file is `value: null` with a problem only when `required`. */
export async function readJson<T>(file: string, schema: z.ZodType<T>, required: boolean): Promise<Read<T>> {
  const name = path.basename(file);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { value: null, problem: required ? `${name} is missing` : null };
    return { value: null, problem: `${name} cannot be read: ${describe(err)}` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { value: null, problem: `${name} is not valid JSON (${describe(err)})` };
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? { value: parsed.data, problem: null } : { value: null, problem: `${name} does not match its schema (${issues(parsed.error)})` };
}

/** Reads a JSON file that must be there and valid, or throws a StoreError naming it. */
export async function readJsonStrict<T>(file: string, schema: z.ZodType<T>, runId: string): Promise<T> {
  const { value, problem } = await readJson(file, schema, true);
  if (problem || value === null) throw new StoreError(`run ${runId}: ${problem ?? `${path.basename(file)} is empty`}`, runId, file);
  return value;
}

/** The event log: only records that are valid events count, so indices agree between writer and readers. */
export function parseLog(text: string): { events: TrainEvent[]; warnings: string[] } {
  const { records, warnings } = parseJsonLines(text, EVENTS);
  const events: TrainEvent[] = [];
  records.forEach((r, i) => {
    const parsed = TrainEventSchema.safeParse(r);
    if (parsed.success) events.push(parsed.data);
    else warnings.push(`${EVENTS} record ${i + 1} is not a valid event, skipped (${issues(parsed.error)})`);
  });
  return { events, warnings };
}

interface CachedLog { size: number; mtimeMs: number; events: TrainEvent[]; warnings: string[] }

/** Parsed event logs keyed by run, reused while the file's size and mtime are unchanged (list() reads every log). */
export class LogCache {
  private readonly entries = new Map<string, CachedLog>();

  async read(runId: string, file: string): Promise<{ events: TrainEvent[]; warnings: string[] }> {
    let stat;
    try {
      stat = await fs.stat(file);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return { events: [], warnings: [] };
      throw new StoreError(`run ${runId}: cannot read ${EVENTS}: ${describe(err)}`, runId, file);
    }
    const hit = this.entries.get(runId);
    if (hit && hit.size === stat.size && hit.mtimeMs === stat.mtimeMs) return hit;
    const text = await fs.readFile(file, 'utf8');
    const log = parseLog(text);
    this.entries.set(runId, { size: Buffer.byteLength(text), mtimeMs: stat.mtimeMs, ...log });
    return log;
  }

  forget(runId: string): void {
    this.entries.delete(runId);
  }
}

export async function loadRunFiles(dir: string, id: string, logs: LogCache): Promise<RunFiles> {
  const [config, status, meta, metrics, stat] = await Promise.all([
    readJson(path.join(dir, CONFIG), RunConfigSchema, true),
    readJson(path.join(dir, STATUS), StatusFileSchema, true),
    readJson(path.join(dir, META), RunMetaSchema, false),
    readJson(path.join(dir, METRICS), TestMetricsSchema, false),
    fs.stat(dir),
  ]);
  const problems = [config, status, meta, metrics].flatMap((r) => (r.problem ? [r.problem] : []));
  let log: { events: TrainEvent[]; warnings: string[] };
  try {
    log = await logs.read(id, path.join(dir, EVENTS));
  } catch (err) {
    problems.push(describe(err));
    log = { events: [], warnings: [] };
  }
  return {
    id,
    config: config.value,
    status: status.value,
    meta: (meta.value ?? {}) as RunMeta,
    metrics: metrics.value,
    events: log.events,
    logWarnings: log.warnings,
    problems,
    folderTime: (stat.birthtimeMs > 0 ? stat.birthtime : stat.mtime).toISOString(),
  };
}
