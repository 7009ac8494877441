// Run queue: turns train requests into stored runs and trains them in worker threads, two at a time.
// Runs that cannot fit in memory are refused here, before any worker sees them; a worker whose backend aborted is replaced.
import { Worker } from 'node:worker_threads';
import type { TrainRequest, TrainEvent, RunConfig } from '../../../shared/run.js';
import { RunStore } from '../runs/store.js';
import type { TrainJob } from './loop.js';
import type { WorkerRequest, WorkerMessage, WorkerTestHook } from './worker.js';
import { assertFits, isBackendAbort, likelyBackend, machineMemory, type MachineMemory } from './budget.js';
import { TrainingError } from './errors.js';
import { loadNative } from '../backend/native/addon.js';
import { prepareResume } from './resume.js';
import { checkInitFrom } from './initFrom.js';

export type DataLocation = TrainJob['data'];

export interface RunManagerOptions {
  store: RunStore;
  /** Where the data set is; resolved once per run, before it is queued. */
  resolveData: () => Promise<DataLocation>;
  maxConcurrent?: number;
  batchEventIntervalMs?: number;
  /** The machine's memory as the budget sees it (default: os.totalmem/freemem now); tests pin it. */
  memory?: () => MachineMemory;
  /** Tests only: a fault to inject into the worker that trains `config` (see WorkerTestHook). */
  testHook?: (config: RunConfig) => WorkerTestHook | undefined;
}

interface Queued { runId: string; config: RunConfig; resume?: boolean }
interface Active { slot: Slot; flag: Int32Array; done: Promise<void> }
/** A long-lived training worker; `onDone`/`onCrash` belong to the run it is training. */
interface Slot {
  worker: Worker;
  busy: boolean;
  runId: string | null;
  ended: boolean;
  finish: (() => void) | null;
  crash: string | null;
  /** Why the worker must not train again (its backend aborted); it is terminated when its run is done. */
  poisoned: string | null;
}

/** In development the worker is TypeScript run through tsx; in a build it sits beside the bundle. */
/**
 * Node unloads an addon when the last thread that loaded it exits. The native kernels' pool threads are the
 * process's, so a worker ending (replaced, crashed or closed) while it alone held the addon left them in unmapped
 * code: the process segfaulted, or the next worker's first kernel hung. Holding it open here keeps it mapped.
 */
let nativePinned = false;
function pinNativeAddon(): void {
  if (nativePinned) return;
  nativePinned = true;
  try {
    loadNative(); // result unused: a missing or stale addon is reported by the worker that would use it
  } catch (err) {
    console.warn('native kernels could not be held open by the main thread:', err);
  }
}

function workerEntry(): { url: URL; tsEntry?: string } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return { url: new URL('./worker-dev.mjs', here), tsEntry: new URL('./worker.ts', here).href };
  return { url: new URL('./worker.js', here) };
}

export class RunManager {
  private readonly queue: Queued[] = [];
  private readonly active = new Map<string, Active>();
  private readonly slots: Slot[] = [];
  private readonly listeners = new Set<(e: TrainEvent) => void>();
  private maxConcurrent: number;
  private data: DataLocation | null = null;

  constructor(private readonly opts: RunManagerOptions) {
    this.maxConcurrent = opts.maxConcurrent ?? 2;
  }

  onEvent(listener: (e: TrainEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setMaxConcurrent(n: number): void {
    this.maxConcurrent = Math.max(1, n);
    this.pump();
  }

  running(): string[] {
    return [...this.active.keys()];
  }

  queued(): string[] {
    return this.queue.map((q) => q.runId);
  }

  /** Thread ids of the live training workers (a replaced worker's id is gone). */
  workerIds(): number[] {
    return this.slots.map((s) => s.worker.threadId);
  }

  /** Stores one run per repeat (seeds seed, seed+1, …) and queues them. */
  async start(request: TrainRequest): Promise<{ runIds: string[]; groupId: string | null }> {
    // Throws a TrainingError naming the size and the limit; nothing is stored or queued.
    assertFits(request, likelyBackend(request.backend), (this.opts.memory ?? machineMemory)());
    await checkInitFrom(this.opts.store, request);
    this.data = await this.opts.resolveData();
    const base = request.name ?? request.preset ?? request.model.name;
    const groupId = request.repeat > 1 ? this.opts.store.newRunId(`${base}-group`) : null;
    const runIds: string[] = [];
    for (let i = 0; i < request.repeat; i++) {
      const name = request.repeat > 1 ? `${base} (seed ${request.hyper.seed + i})` : base;
      const runId = this.opts.store.newRunId(name);
      const config: RunConfig = {
        id: runId, name, createdAt: new Date().toISOString(), request,
        seed: request.hyper.seed + i, groupId, repeatIndex: i,
      };
      await this.opts.store.create(config);
      this.queue.push({ runId, config });
      runIds.push(runId);
      await this.record({ type: 'queued', runId, t: Date.now(), position: this.queue.length + this.active.size });
    }
    this.pump();
    return { runIds, groupId };
  }

  /** Continues a stored run from its last checkpoint up to `epochs` total epochs (default: its own target), same id. */
  async resume(runId: string, epochs?: number): Promise<{ runId: string; epochs: number }> {
    const config = await prepareResume(this.opts.store, runId, epochs, new Set([...this.active.keys(), ...this.queued()]));
    assertFits(config.request, likelyBackend(config.request.backend), (this.opts.memory ?? machineMemory)());
    this.data = await this.opts.resolveData();
    this.queue.push({ runId, config, resume: true });
    await this.record({ type: 'queued', runId, t: Date.now(), position: this.queue.length + this.active.size });
    this.pump();
    return { runId, epochs: config.request.hyper.epochs };
  }

  async cancel(runId: string): Promise<void> {
    const q = this.queue.findIndex((item) => item.runId === runId);
    if (q >= 0) {
      this.queue.splice(q, 1);
      await this.record({ type: 'trainEnd', runId, t: Date.now(), status: 'cancelled', reason: 'cancelled before it started', trainSeconds: 0 });
      return;
    }
    const a = this.active.get(runId);
    if (!a) throw new TrainingError(`run ${runId} is not queued or running, so it cannot be cancelled`, runId);
    Atomics.store(a.flag, 0, 1);
  }

  /** Resolves when nothing is queued or running. */
  async idle(): Promise<void> {
    while (this.active.size > 0 || this.queue.length > 0) {
      await Promise.race([...this.active.values()].map((a) => a.done));
    }
  }

  async close(graceMs = 10_000): Promise<void> {
    for (const q of this.queue.splice(0)) {
      await this.record({ type: 'trainEnd', runId: q.runId, t: Date.now(), status: 'cancelled', reason: 'the workbench was closed before the run started', trainSeconds: 0 });
    }
    for (const a of this.active.values()) Atomics.store(a.flag, 0, 1);
    // Cancel takes effect within a batch; a worker stuck inside a kernel is stopped after the grace period
    // (its run is then logged as failed by the exit handler).
    const settled = Promise.all([...this.active.values()].map((a) => a.done));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), graceMs); });
    if ((await Promise.race([settled, timeout])) === 'timeout') {
      await Promise.all(this.slots.map((s) => s.worker.terminate()));
      await settled;
    }
    clearTimeout(timer);
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  private async record(event: TrainEvent): Promise<void> {
    await this.opts.store.appendEvent(event.runId, event);
    this.forward(event);
  }

  private forward(event: TrainEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        console.error('event listener failed:', err);
      }
    }
  }

  private pump(): void {
    while (this.active.size < this.maxConcurrent && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.launch(next);
    }
  }

  private launch({ runId, config, resume }: Queued): void {
    const cancelFlag = new SharedArrayBuffer(4);
    const flag = new Int32Array(cancelFlag);
    const job: TrainJob = {
      runId, config, storeRoot: this.opts.store.root, data: this.data!,
      batchEventIntervalMs: this.opts.batchEventIntervalMs, ...(resume ? { resume } : {}),
    };
    const slot = this.slots.find((s) => !s.busy) ?? this.spawn();
    slot.busy = true;
    slot.runId = runId;
    slot.ended = false;
    slot.crash = null;
    slot.poisoned = null;
    slot.worker.ref();
    const done = new Promise<void>((resolve) => {
      slot.finish = () => {
        slot.busy = false;
        slot.runId = null;
        slot.finish = null;
        slot.worker.unref();
        this.active.delete(runId);
        resolve();
        this.pump();
      };
    });
    this.active.set(runId, { slot, flag, done });
    const testHook = this.opts.testHook?.(config);
    slot.worker.postMessage({ kind: 'train', job, cancelFlag, ...(testHook ? { testHook } : {}) } satisfies WorkerRequest);
  }

  /**
   * Starts a worker. If it dies mid-run, or its backend aborts, the run is logged as failed and the worker
   * dropped; the next run gets a fresh one (spawned on demand), since an aborted wasm module fails every later call.
   */
  private spawn(): Slot {
    pinNativeAddon();
    const entry = workerEntry();
    const worker = new Worker(entry.url, { workerData: { tsEntry: entry.tsEntry } });
    const slot: Slot = { worker, busy: false, runId: null, ended: false, finish: null, crash: null, poisoned: null };
    worker.on('message', (m: WorkerMessage) => {
      if (m.kind === 'event') {
        if (m.event.type === 'trainEnd') {
          slot.ended = true;
          if (m.event.status === 'failed' && isBackendAbort(m.event.reason)) slot.poisoned = m.event.reason ?? 'backend aborted';
        }
        this.forward(m.event);
      } else if (m.kind === 'done') {
        if (m.retire) slot.poisoned = m.retire;
        if (slot.poisoned) this.retire(slot);
        slot.finish?.();
      }
    });
    worker.on('error', (err) => {
      slot.crash = err instanceof Error ? err.message : String(err);
    });
    worker.on('exit', (code) => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      const runId = slot.runId;
      if (!runId || !slot.finish) return;
      const finish = slot.finish;
      const record = slot.ended ? Promise.resolve() : this.record({
        type: 'trainEnd', runId, t: Date.now(), status: 'failed',
        reason: `the training worker stopped unexpectedly (${slot.crash ?? `exit code ${code}`}); the next run gets a fresh worker`, trainSeconds: 0,
      }).catch((e) => console.error(e));
      void record.then(finish);
    });
    this.slots.push(slot);
    return slot;
  }

  /** Takes a worker out of the pool and stops it; its exit is then no news (its run has already ended). */
  private retire(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    console.warn(`training worker ${slot.worker.threadId} replaced: ${slot.poisoned}`);
    slot.worker.terminate().catch((err) => console.error('terminating a training worker failed:', err));
  }
}
