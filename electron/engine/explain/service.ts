// Engine/explain: the main-thread side of explanations — one worker thread, started on first use, that answers
// requests in order, so a slow map never blocks the main process's event loop.
import { Worker } from 'node:worker_threads';
import type { ExplainRequest, ExplainResponse, FeatureMapsRequest, FeatureMapsResponse } from '../../../shared/explain.js';
import type { DataLocation } from '../train/manager.js';
import { loadNative } from '../backend/native/addon.js';
import { ExplainError } from './errors.js';
import type { ExplainWorkerReply, ExplainWorkerRequest } from './worker.js';

/** In development the worker is TypeScript run through tsx (the training worker's bootstrap); in a build it sits beside the bundle. */
function workerEntry(): { url: URL; tsEntry?: string } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return { url: new URL('../train/worker-dev.mjs', here), tsEntry: new URL('./worker.ts', here).href };
  return { url: new URL('./explain-worker.js', here) };
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

export class ExplainService {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly opts: { storeRoot: string; resolveData: () => Promise<DataLocation> }) {}

  explain(request: ExplainRequest): Promise<ExplainResponse> {
    return this.send('explain', request) as Promise<ExplainResponse>;
  }

  featureMaps(request: FeatureMapsRequest): Promise<FeatureMapsResponse> {
    return this.send('featureMaps', request) as Promise<FeatureMapsResponse>;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private async send(kind: ExplainWorkerRequest['kind'], request: ExplainRequest | FeatureMapsRequest): Promise<unknown> {
    const data = await this.opts.resolveData();
    const worker = this.ensure();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, kind, storeRoot: this.opts.storeRoot, data, request } as ExplainWorkerRequest);
    });
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    // As the run manager does: the native kernels' threads belong to the process, so the addon stays mapped here.
    try {
      loadNative();
    } catch {
      // a missing addon is the worker's to report (it falls back to the wasm kernels)
    }
    const entry = workerEntry();
    const worker = new Worker(entry.url, { workerData: { tsEntry: entry.tsEntry } });
    worker.unref();
    worker.on('message', (m: ExplainWorkerReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.ok) p.resolve(m.result);
      else p.reject(Object.assign(new ExplainError(m.error.message), { name: m.error.name }));
    });
    const fail = (why: string) => {
      if (this.worker === worker) this.worker = null;
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(new ExplainError(`the explanation worker stopped (${why}); ask again to start a fresh one`));
      }
    };
    worker.on('error', (err) => fail(err.message));
    worker.on('exit', (code) => fail(`exit code ${code}`));
    this.worker = worker;
    return worker;
  }
}
