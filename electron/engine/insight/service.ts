// Engine/insight: the main-thread side of insight computations: cached results in the run folder, else the worker.
// Results are written atomically next to the run's other files and read back through their schemas, so a later
// request (or the report) costs a file read; a damaged cache file is computed again.
import { Worker } from 'node:worker_threads';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import {
  CalibrationSchema, EmbeddingSchema, InsightProgressSchema,
  type Calibration, type Embedding, type EmbeddingMethod, type InsightProgress, type TrainingHistograms,
} from '../../../shared/insight.js';
import type { RunStore } from '../runs/store.js';
import { writeFileAtomic } from '../runs/atomic.js';
import { readJson } from '../runs/files.js';
import { StoreError } from '../runs/errors.js';
import { loadNative } from '../backend/native/addon.js';
import type { TrainJob } from '../train/loop.js';
import { readHistograms } from './histograms.js';
import type { InsightJob, InsightReply } from './worker.js';

export const CALIBRATION_FILE = 'calibration.json';
export const embeddingFile = (method: EmbeddingMethod) => `embedding-${method}.json`;

/** An insight that cannot be computed: no model, no data, or the worker failed. */
export class InsightError extends Error {
  override readonly name = 'InsightError';

  constructor(message: string, readonly runId: string) {
    super(message);
  }
}

export interface InsightServiceOptions {
  store: RunStore;
  resolveData: () => Promise<TrainJob['data']>;
}

function workerEntry(): { url: URL; tsEntry?: string } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return { url: new URL('../train/worker-dev.mjs', here), tsEntry: new URL('./worker.ts', here).href };
  return { url: new URL('./insight-worker.js', here) };
}

interface Pending { resolve: (v: Calibration | Embedding) => void; reject: (e: Error) => void; runId: string; task: InsightProgress['task'] }

export class InsightService {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly listeners = new Set<(p: InsightProgress) => void>();

  constructor(private readonly opts: InsightServiceOptions) {}

  onProgress(listener: (p: InsightProgress) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The run's weight/gradient histograms, or null for a run trained before they were recorded. */
  async histograms(runId: string): Promise<TrainingHistograms | null> {
    const dir = this.opts.store.runDir(runId);
    if (!(await stat(dir).catch(() => null))?.isDirectory()) throw new StoreError(`there is no run ${runId} in ${this.opts.store.root}`, runId, dir);
    const { value, problem } = await readHistograms(dir);
    if (problem) throw new StoreError(`run ${runId}: ${problem}`, runId);
    return value;
  }

  calibration(runId: string): Promise<Calibration> {
    return this.cached(runId, CALIBRATION_FILE, CalibrationSchema, 'calibration', (data, id) => ({ id, kind: 'calibration', runId, storeRoot: this.opts.store.root, data })) as Promise<Calibration>;
  }

  embedding(runId: string, method: EmbeddingMethod): Promise<Embedding> {
    return this.cached(runId, embeddingFile(method), EmbeddingSchema, `embedding-${method}`, (data, id) => ({ id, kind: 'embedding', method, runId, storeRoot: this.opts.store.root, data })) as Promise<Embedding>;
  }

  private cached<T>(runId: string, file: string, schema: z.ZodType<T>, task: InsightProgress['task'], job: (data: TrainJob['data'], id: number) => InsightJob): Promise<T> {
    const key = `${runId}/${file}`;
    const running = this.inflight.get(key);
    if (running) return running as Promise<T>;
    const work = (async () => {
      const target = path.join(this.opts.store.runDir(runId), file);
      const stored = await readJson(target, schema, false);
      if (stored.value) return stored.value;
      if (stored.problem) console.warn(`run ${runId}: ${stored.problem}; computing it again`);
      const detail = await this.opts.store.get(runId);
      if (detail.summary.status !== 'finished' || !detail.test) {
        throw new InsightError(`run ${runId} is ${detail.summary.status}: ${task.replace('-', ' ')} needs a finished run with a saved model`, runId);
      }
      const value = await this.send(job(await this.opts.resolveData(), this.nextId++), runId, task);
      const checked = schema.safeParse(value);
      if (!checked.success) throw new InsightError(`run ${runId}: the computed ${task} does not match its contract (${checked.error.issues[0]?.message})`, runId);
      await writeFileAtomic(target, JSON.stringify(checked.data));
      return checked.data;
    })();
    this.inflight.set(key, work);
    void work.finally(() => this.inflight.delete(key)).catch(() => undefined);
    return work;
  }

  private send(job: InsightJob, runId: string, task: InsightProgress['task']): Promise<Calibration | Embedding> {
    const worker = this.spawn();
    return new Promise((resolve, reject) => {
      this.pending.set(job.id, { resolve, reject, runId, task });
      worker.ref(); // keeps a CLI alive while it waits; unref'd again when nothing is pending
      worker.postMessage(job);
    });
  }

  private spawn(): Worker {
    if (this.worker) return this.worker;
    try {
      loadNative(); // held by the main thread too: see manager.ts, the pool threads must outlive any worker
    } catch { /* a missing addon is the backend's business */ }
    const entry = workerEntry();
    const worker = new Worker(entry.url, { workerData: { tsEntry: entry.tsEntry } });
    worker.on('message', (m: InsightReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.kind === 'progress') {
        const progress = InsightProgressSchema.safeParse({ runId: p.runId, task: p.task, stage: m.stage, fraction: Math.min(1, Math.max(0, m.fraction)) });
        if (progress.success) this.listeners.forEach((l) => l(progress.data));
        return;
      }
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.kind === 'result') p.resolve(m.value);
      else p.reject(new InsightError(`run ${p.runId}: ${p.task.replace('-', ' ')} failed: ${m.message}`, p.runId));
    });
    const fail = (why: string) => {
      if (this.worker === worker) this.worker = null;
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(new InsightError(`run ${p.runId}: the insight worker stopped (${why})`, p.runId));
      }
    };
    worker.on('error', (err) => fail(err.message));
    worker.on('exit', (code) => fail(`exit code ${code}`));
    worker.unref();
    this.worker = worker;
    return worker;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}
