// Worker-thread entry of one training run: runs the loop, logs every event, forwards it to the parent.
import { parentPort, workerData } from 'node:worker_threads';
import type { TrainEvent } from '../../../shared/run.js';
import { RunStore } from '../runs/store.js';
import { runTraining, type TrainJob } from './loop.js';

export interface WorkerInput {
  job: TrainJob;
  /** Int32 flag set to 1 by the parent to cancel: checked before every batch. */
  cancelFlag: SharedArrayBuffer;
}

export type WorkerMessage =
  | { kind: 'event'; event: TrainEvent; index: number }
  | { kind: 'done'; status: 'finished' | 'failed' | 'cancelled' };

if (parentPort) {
  const { job, cancelFlag } = workerData as WorkerInput;
  const flag = new Int32Array(cancelFlag);
  const store = new RunStore(job.storeRoot);
  const port = parentPort;
  // Appends are chained so the log keeps the order the loop emitted.
  let chain: Promise<unknown> = Promise.resolve();
  const emit = (event: TrainEvent): Promise<void> => {
    const next = chain.then(async () => {
      const index = await store.appendEvent(job.runId, event);
      port.postMessage({ kind: 'event', event, index } satisfies WorkerMessage);
    });
    chain = next.catch(() => undefined);
    return next;
  };
  runTraining(job, { emit, cancelled: () => Atomics.load(flag, 0) === 1 })
    .then(async (status) => {
      await chain;
      port.postMessage({ kind: 'done', status } satisfies WorkerMessage);
    })
    .catch((err) => {
      // runTraining reports its own failures; reaching here means the log itself failed.
      port.postMessage({ kind: 'done', status: 'failed' } satisfies WorkerMessage);
      throw err;
    });
}
