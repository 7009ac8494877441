// Worker-thread entry: trains the runs the manager hands it, one at a time, logging every event and forwarding it.
// A worker lives as long as the manager, so the data set and the backend are loaded once per worker, not per run;
// after a backend abort it asks to be replaced, since an aborted wasm module fails every later call.
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { BackendName, TrainEvent } from '../../../shared/run.js';
import { RunStore } from '../runs/store.js';
import { selectBackend } from '../backend/select.js';
import { runTraining, type TrainJob } from './loop.js';
import { assertFits, isBackendAbort } from './budget.js';

/**
 * Test-only faults, set through RunManagerOptions.testHook (never from a request): after trainBegin,
 * 'abort-backend' makes the wasm module fail as an aborted one does (every allocation throws a RuntimeError),
 * 'exit' ends the worker thread, 'throw' raises an uncaught error in it.
 */
export type WorkerTestHook = 'abort-backend' | 'exit' | 'throw';

export type WorkerRequest = {
  kind: 'train';
  job: TrainJob;
  /** Int32 flag set to 1 by the parent to cancel: checked before every batch. */
  cancelFlag: SharedArrayBuffer;
  testHook?: WorkerTestHook;
};

export type WorkerMessage =
  | { kind: 'event'; event: TrainEvent; index: number }
  /** `retire`: why this worker must not train again (its backend aborted); null when it is fine. */
  | { kind: 'done'; runId: string; status: 'finished' | 'failed' | 'cancelled'; retire?: string | null };

/** Does the backend still compute? An aborted wasm module throws on its next allocation. */
async function backendFault(): Promise<string | null> {
  try {
    const t = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)));
    const v = (await t.data())[0]; // async: a GPU backend (webgpu) has no synchronous readback
    t.dispose();
    return v === 3 ? null : `the backend computed 1 + 2 = ${v}`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function injectFault(hook: WorkerTestHook): void {
  if (hook === 'exit') process.exit(70); // in a worker thread this ends the thread, not the process
  if (hook === 'throw') setImmediate(() => { throw new Error('test hook: uncaught error in the training worker'); });
  if (hook === 'abort-backend') {
    const wasm = (tf.backend() as unknown as { wasm?: { _malloc: (n: number) => number } }).wasm;
    if (!wasm) throw new Error('test hook abort-backend needs the wasm backend');
    wasm._malloc = () => {
      throw new WebAssembly.RuntimeError('Aborted(test hook: the heap could not grow). Build with -sASSERTIONS for more info.');
    };
  }
}

async function train(port: NonNullable<typeof parentPort>, { job, cancelFlag, testHook }: WorkerRequest): Promise<void> {
  const flag = new Int32Array(cancelFlag);
  const store = new RunStore(job.storeRoot);
  const request = job.config.request;
  let endReason: string | undefined;
  let backendName: BackendName | 'auto' = request.backend;
  // Appends are chained so the log keeps the order the loop emitted.
  let chain: Promise<unknown> = Promise.resolve();
  const emit = (raw: TrainEvent): Promise<void> => {
    let event = raw;
    if (event.type === 'trainEnd' && event.status === 'failed' && isBackendAbort(event.reason)) {
      event = { ...event, reason: `the ${backendName} backend aborted (${event.reason}), most likely out of memory; `
        + 'its training worker is replaced, so later runs start clean' };
    }
    if (event.type === 'trainEnd') endReason = event.reason;
    const next = chain.then(async () => {
      const index = await store.appendEvent(job.runId, event);
      port.postMessage({ kind: 'event', event, index } satisfies WorkerMessage);
    });
    chain = next.catch(() => undefined);
    if (event.type === 'trainBegin' && testHook) void next.then(() => injectFault(testHook));
    return next;
  };

  // The manager checked the budget against the backend it expected; 'auto' may have landed elsewhere.
  let refused: string | null = null;
  try {
    backendName = (await selectBackend(request.backend)).name;
    assertFits(request, backendName);
  } catch (err) {
    // A backend that cannot start is reported by runTraining; only a refusal stops here.
    if (err instanceof Error && err.name === 'TrainingError') refused = err.message;
  }
  let status: 'finished' | 'failed' | 'cancelled';
  if (refused) {
    await emit({ type: 'trainEnd', runId: job.runId, t: Date.now(), status: 'failed', reason: refused, trainSeconds: 0 });
    status = 'failed';
  } else {
    status = await runTraining(job, { emit, cancelled: () => Atomics.load(flag, 0) === 1 });
  }
  await chain;
  let retire: string | null = null;
  if (status === 'failed') {
    const fault = await backendFault();
    retire = fault ? `backend fails after the run: ${fault}` : isBackendAbort(endReason) ? `backend aborted: ${endReason}` : null;
  }
  port.postMessage({ kind: 'done', runId: job.runId, status, retire } satisfies WorkerMessage);
}

if (parentPort) {
  const port = parentPort;
  // Runs arrive one at a time; the manager never sends a second before 'done'.
  port.on('message', (m: WorkerRequest) => {
    if (m.kind !== 'train') return;
    train(port, m).catch((err) => {
      // runTraining reports its own failures; reaching here means the run's log itself failed.
      console.error(`training worker: ${err instanceof Error ? err.stack : String(err)}`);
      port.postMessage({ kind: 'done', runId: m.job.runId, status: 'failed', retire: `the worker failed: ${String(err)}` } satisfies WorkerMessage);
    });
  });
}
