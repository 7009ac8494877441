// Engine/runs: the run store on disk, one folder a run; the truth the UI, CLI and report read from.
import type * as tf from '@tensorflow/tfjs';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  PredictionsSchema, RunConfigSchema, RunIdSchema, TestMetricsSchema, TrainEventSchema,
  type Predictions, type RunConfig, type RunDetail, type RunSummary, type TestMetrics, type TrainEvent,
} from '../../../shared/run.js';
import { fsyncDir, writeFileAtomic } from './atomic.js';
import { StoreError, describe, errnoCode } from './errors.js';
import {
  CONFIG, EVENTS, LogCache, META, METRICS, MODEL_DIR, PREDICTIONS, RunMetaSchema, STATUS, loadRunFiles, parseLog, readJson, readJsonStrict,
} from './files.js';
import { importInto, sweepLeftovers } from './importer.js';
import { packRun } from './archive.js';
import { StatusFileSchema, ownStatus, type Liveness } from './owner.js';
import { buildDetail, effectiveStatus, unreadableSummary, type RunMeta } from './summary.js';

// model.js (and with it @tensorflow/tfjs) is imported on first use: listing runs should not load TensorFlow.js.

/** Events worth an fsync: losing one would change what the run's history says. batchEnd is only progress. */
const DURABLE = new Set<TrainEvent['type']>(['queued', 'trainBegin', 'epochEnd', 'evaluated', 'trainEnd']);
/** How often a running run refreshes status.json, so that another host can tell a live run from a dead one. */
const HEARTBEAT_MS = 30_000;

export interface RunStoreOptions {
  /** A run owned by another host counts as interrupted after this long without a heartbeat (default 15 min). */
  staleMs?: number;
  /** This machine's name as written into status.json (default os.hostname()). */
  hostname?: string;
}

export class RunStore {
  readonly root: string;
  private readonly staleMs: number;
  private readonly hostname: string;
  private readonly logs = new LogCache();
  /** Per run: the log's size after our last append and how many events it then held. */
  private readonly appendState = new Map<string, { size: number; count: number }>();
  private readonly heartbeats = new Map<string, number>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(root: string, options: RunStoreOptions = {}) {
    this.root = path.resolve(root);
    this.staleMs = options.staleMs ?? 15 * 60_000;
    this.hostname = options.hostname ?? os.hostname();
  }

  /** e.g. "20261125-171500-seed-cnn-3f2a9c": UTC time, a slug of the name, a random suffix. */
  newRunId(name: string, now: Date = new Date()): string {
    const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const slug = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/ß/g, 'ss').toLowerCase()
      .replace(/[^a-z0-9]+/g, '-').replace(/^-+/, '').slice(0, 60).replace(/-+$/, '') || 'run';
    return `${stamp}-${slug}-${randomBytes(3).toString('hex')}`;
  }

  runDir(runId: string): string {
    if (!RunIdSchema.safeParse(runId).success) {
      throw new StoreError(`"${runId}" is not a run id: ids hold only letters, digits, _ and - (and start with a letter or digit)`, runId);
    }
    const dir = path.resolve(this.root, runId);
    const rel = path.relative(this.root, dir);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel) || rel.includes(path.sep)) {
      throw new StoreError(`run id "${runId}" points outside the runs folder ${this.root}`, runId);
    }
    return dir;
  }

  async create(config: RunConfig): Promise<void> {
    const parsed = RunConfigSchema.safeParse(config);
    if (!parsed.success) throw new StoreError(`run config is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join(', ')}`, config?.id);
    const dir = this.runDir(parsed.data.id);
    await fs.mkdir(this.root, { recursive: true });
    try {
      await fs.mkdir(dir);
    } catch (err) {
      const what = errnoCode(err) === 'EEXIST' ? 'a run with this id already exists' : describe(err);
      throw new StoreError(`cannot create run ${parsed.data.id} in ${this.root}: ${what}`, parsed.data.id, dir);
    }
    await writeFileAtomic(path.join(dir, CONFIG), JSON.stringify(parsed.data, null, 2));
    await writeFileAtomic(path.join(dir, STATUS), JSON.stringify(ownStatus('queued', undefined, this.hostname)));
    await fsyncDir(this.root);
  }

  async appendEvent(runId: string, event: TrainEvent): Promise<number> {
    this.runDir(runId);
    const parsed = TrainEventSchema.safeParse(event);
    if (!parsed.success) throw new StoreError(`run ${runId}: refusing to log an invalid ${event?.type ?? ''} event: ${parsed.error.issues[0]?.message}`, runId);
    const ev = parsed.data;
    if (ev.runId !== runId) throw new StoreError(`an event of run ${ev.runId} was sent to the log of run ${runId}`, runId);
    // Queued before the first await, so the log keeps the order of the calls.
    return this.serial(runId, async () => {
      const dir = await this.existingDir(runId);
      const file = path.join(dir, EVENTS);
      const handle = await fs.open(file, 'a');
      let index: number;
      try {
        const { size } = await handle.stat();
        // A new log is a new directory entry: without the folder's fsync a crash could lose the file, synced lines and all.
        if (size === 0) await this.syncDir(dir);
        const known = this.appendState.get(runId);
        let prefix = '';
        if (known && known.size === size) {
          index = known.count;
        } else {
          // Someone else wrote since (another thread's store, or a process before a crash): count what readers see.
          const text = size > 0 ? await fs.readFile(file, 'utf8') : '';
          index = parseLog(text).events.length;
          if (text.length > 0 && !text.endsWith('\n')) prefix = '\n'; // keep a torn line from swallowing this record
        }
        const line = `${prefix}${JSON.stringify(ev)}\n`;
        await handle.write(line);
        if (DURABLE.has(ev.type)) await handle.sync();
        this.appendState.set(runId, { size: size + Buffer.byteLength(line), count: index + 1 });
      } catch (err) {
        this.appendState.delete(runId);
        throw new StoreError(`run ${runId}: could not append to ${file}: ${describe(err)}`, runId, file);
      } finally {
        await handle.close();
      }
      await this.afterAppend(runId, dir, ev);
      return index;
    });
  }

  private async afterAppend(runId: string, dir: string, ev: TrainEvent): Promise<void> {
    const write = (status: 'running' | 'finished' | 'failed' | 'cancelled', reason?: string) =>
      writeFileAtomic(path.join(dir, STATUS), JSON.stringify(ownStatus(status, reason, this.hostname)));
    if (ev.type === 'trainBegin') {
      await write('running');
      this.heartbeats.set(runId, Date.now());
    } else if (ev.type === 'trainEnd') {
      await write(ev.status, ev.reason);
      this.heartbeats.delete(runId);
      this.appendState.delete(runId);
    } else {
      const beat = this.heartbeats.get(runId);
      if (beat !== undefined && Date.now() - beat > HEARTBEAT_MS) {
        await write('running');
        this.heartbeats.set(runId, Date.now());
      }
    }
  }

  async writeResult(runId: string, test: TestMetrics, predictions: Predictions): Promise<void> {
    const dir = await this.existingDir(runId);
    const t = TestMetricsSchema.safeParse(test);
    const p = PredictionsSchema.safeParse(predictions);
    if (!t.success || !p.success) throw new StoreError(`run ${runId}: refusing to store test results that do not match the contract (${(t.error ?? p.error)?.issues[0]?.message})`, runId);
    await writeFileAtomic(path.join(dir, PREDICTIONS), JSON.stringify(p.data));
    await writeFileAtomic(path.join(dir, METRICS), JSON.stringify(t.data, null, 1));
  }

  /**
   * Takes back what writeResult and saveModel stored, for a run that ends without a result (cancelled at the last moment).
   * model.json goes first: a model folder without it reads as "no saved model", never as a complete one.
   */
  async discardResult(runId: string): Promise<void> {
    const dir = await this.existingDir(runId);
    const modelDir = path.join(dir, MODEL_DIR);
    const { MODEL_JSON } = await import('./model.js');
    try {
      await fs.rm(path.join(modelDir, MODEL_JSON), { force: true });
      await this.syncDir(modelDir).catch((err) => { if (errnoCode(err) !== 'ENOENT') throw err; });
      for (const name of [METRICS, PREDICTIONS]) await fs.rm(path.join(dir, name), { force: true });
      await fs.rm(modelDir, { recursive: true, force: true });
      await this.syncDir(dir);
    } catch (err) {
      throw new StoreError(`run ${runId}: could not remove its unfinished results from ${dir}: ${describe(err)}`, runId, dir);
    }
  }

  async saveModel(runId: string, artifacts: tf.io.ModelArtifacts): Promise<void> {
    const { saveArtifacts } = await import('./model.js');
    await saveArtifacts(path.join(await this.existingDir(runId), MODEL_DIR), artifacts, runId);
  }

  /** `await tf.loadLayersModel(store.modelHandler(id))` and `model.save(store.modelHandler(id))` both work without tfjs-node. */
  modelHandler(runId: string): tf.io.IOHandler {
    const dir = path.join(this.runDir(runId), MODEL_DIR);
    return {
      save: async (artifacts) => {
        await this.existingDir(runId);
        return (await import('./model.js')).saveArtifacts(dir, artifacts, runId);
      },
      load: async () => (await import('./model.js')).loadArtifacts(dir, runId),
    };
  }

  async list(): Promise<RunSummary[]> {
    let names: string[];
    try {
      names = (await fs.readdir(this.root, { withFileTypes: true }))
        .filter((d) => d.isDirectory() && !d.name.startsWith('.') && RunIdSchema.safeParse(d.name).success)
        .map((d) => d.name);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw new StoreError(`cannot read the runs folder ${this.root}: ${describe(err)}`, undefined, this.root);
    }
    const rows: RunSummary[] = [];
    for (let i = 0; i < names.length; i += 16) {
      rows.push(...await Promise.all(names.slice(i, i + 16).map((id) => this.summaryOf(id))));
    }
    return rows.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  }

  private async summaryOf(id: string): Promise<RunSummary> {
    const dir = path.join(this.root, id);
    try {
      return buildDetail(await loadRunFiles(dir, id, this.logs), this.liveness()).summary;
    } catch (err) {
      const time = await fs.stat(dir).then((s) => s.mtime.toISOString(), () => new Date(0).toISOString());
      return unreadableSummary(id, `the run folder cannot be read: ${describe(err)}`, time);
    }
  }

  async get(runId: string): Promise<RunDetail> {
    const dir = await this.existingDir(runId);
    return buildDetail(await loadRunFiles(dir, runId, this.logs), this.liveness());
  }

  async events(runId: string, since = 0): Promise<{ events: TrainEvent[]; next: number; warnings: string[] }> {
    const dir = await this.existingDir(runId);
    const { events, warnings } = await this.logs.read(runId, path.join(dir, EVENTS));
    return { events: events.slice(Math.max(0, since)), next: events.length, warnings };
  }

  async predictions(runId: string): Promise<Predictions> {
    const dir = await this.existingDir(runId);
    return readJsonStrict(path.join(dir, PREDICTIONS), PredictionsSchema, runId);
  }

  async rename(runId: string, name: string): Promise<void> {
    const trimmed = name.trim();
    if (trimmed.length < 1 || trimmed.length > 200) throw new StoreError(`a run name must have 1 to 200 characters (got ${trimmed.length})`, runId);
    await this.updateMeta(runId, (m) => ({ ...m, name: trimmed }));
  }

  async setTags(runId: string, tags: string[]): Promise<void> {
    const clean = [...new Set(tags.map((t) => t.trim()))];
    const bad = clean.find((t) => t.length < 1 || t.length > 40);
    if (bad !== undefined) throw new StoreError(`tag "${bad}" must have 1 to 40 characters`, runId);
    if (clean.length > 20) throw new StoreError(`a run may have at most 20 tags (got ${clean.length})`, runId);
    await this.updateMeta(runId, (m) => ({ ...m, tags: clean }));
  }

  private async updateMeta(runId: string, change: (m: RunMeta) => RunMeta): Promise<void> {
    const dir = await this.existingDir(runId);
    await this.serial(`${runId}/meta`, async () => {
      const file = path.join(dir, META);
      const { value, problem } = await readJson(file, RunMetaSchema, false);
      // A damaged meta.json is replaced: it only holds the user's name and tags, which this call is setting anyway.
      if (problem) console.warn(`run ${runId}: replacing damaged ${META}: ${problem}`);
      await writeFileAtomic(file, JSON.stringify(change((value ?? {}) as RunMeta), null, 2));
    });
  }

  async delete(runId: string): Promise<void> {
    const dir = await this.existingDir(runId);
    const status = await readJson(path.join(dir, STATUS), StatusFileSchema, false);
    const { events } = await this.logs.read(runId, path.join(dir, EVENTS)).catch(() => ({ events: [] as TrainEvent[] }));
    const { status: now } = effectiveStatus({ status: status.value, events }, this.liveness());
    if (status.value && (now === 'running' || now === 'queued')) {
      throw new StoreError(`run ${runId} is still ${now} (process ${status.value.pid} on ${status.value.host}): cancel it before deleting it`, runId);
    }
    // Detach first, so a half-finished removal never shows up as a damaged run.
    const doomed = path.join(this.root, `.deleting-${runId}-${randomBytes(3).toString('hex')}`);
    await fs.rename(dir, doomed);
    this.forget(runId);
    await fsyncDir(this.root);
    await fs.rm(doomed, { recursive: true, force: true });
  }

  async exportArchive(runId: string): Promise<{ fileName: string; data: Buffer }> {
    await this.existingDir(runId);
    try {
      return { fileName: `${runId}.tar.gz`, data: await packRun(this.root, runId) };
    } catch (err) {
      throw new StoreError(`run ${runId}: could not pack it into an archive: ${describe(err)}`, runId);
    }
  }

  async importArchive(data: Buffer): Promise<string> {
    await fs.mkdir(this.root, { recursive: true });
    return importInto(this.root, data, (name) => this.newRunId(name), this.hostname);
  }

  async markInterrupted(): Promise<string[]> {
    await sweepLeftovers(this.root, this.hostname);
    const marked: string[] = [];
    for (const row of await this.list()) {
      if (row.status !== 'interrupted') continue;
      const dir = path.join(this.root, row.id);
      const { value } = await readJson(path.join(dir, STATUS), StatusFileSchema, false);
      if (!value || value.status === 'interrupted') continue;
      await writeFileAtomic(path.join(dir, STATUS), JSON.stringify({ ...value, status: 'interrupted', reason: row.reason ?? 'interrupted', updatedAt: new Date().toISOString() }));
      marked.push(row.id);
    }
    return marked;
  }

  private liveness(): Liveness {
    return { hostname: this.hostname, staleMs: this.staleMs, now: Date.now() };
  }

  private async existingDir(runId: string): Promise<string> {
    const dir = this.runDir(runId);
    const stat = await fs.stat(dir).catch(() => null);
    if (!stat?.isDirectory()) throw new StoreError(`there is no run ${runId} in ${this.root}`, runId, dir);
    return dir;
  }

  /** fsyncDir, replaceable by tests (which cannot pull the plug) to see that a new entry is made durable. */
  protected syncDir(dir: string): Promise<void> {
    return fsyncDir(dir);
  }

  private forget(runId: string): void {
    this.logs.forget(runId);
    this.appendState.delete(runId);
    this.heartbeats.delete(runId);
  }

  /** Runs `task` after every earlier task with the same key, so appends keep their order and indices. */
  private serial<T>(key: string, task: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(key) ?? Promise.resolve();
    const next = prev.then(task, task);
    const settled = next.then(() => undefined, () => undefined);
    this.queues.set(key, settled);
    void settled.then(() => { if (this.queues.get(key) === settled) this.queues.delete(key); });
    return next;
  }
}
