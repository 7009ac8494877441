// Worker-thread entry: trains the runs the manager hands it, one at a time, logging every event and forwarding it.
// A worker lives as long as the manager, so the data set and the backend are loaded once per worker, not per run.
import { parentPort } from 'node:worker_threads';
import type { TrainEvent } from '../../../shared/run.js';
import { RunStore } from '../runs/store.js';
import { runTraining, type TrainJob } from './loop.js';

export type WorkerRequest = {
  kind: 'train';
  job: TrainJob;
  /** Int32 flag set to 1 by the parent to cancel: checked before every batch. */
  cancelFlag: SharedArrayBuffer;
};

export type WorkerMessage =
  | { kind: 'event'; event: TrainEvent; index: number }
  | { kind: 'done'; runId: string; status: 'finished' | 'failed' | 'cancelled' };

async function train(port: NonNullable<typeof parentPort>, { job, cancelFlag }: WorkerRequest): Promise<void> {
  const flag = new Int32Array(cancelFlag);
  const store = new RunStore(job.storeRoot);
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
  const status = await runTraining(job, { emit, cancelled: () => Atomics.load(flag, 0) === 1 });
  await chain;
  port.postMessage({ kind: 'done', runId: job.runId, status } satisfies WorkerMessage);
}

if (parentPort) {
  const port = parentPort;
  // Runs arrive one at a time; the manager never sends a second before 'done'.
  port.on('message', (m: WorkerRequest) => {
    if (m.kind !== 'train') return;
    train(port, m).catch((err) => {
      // runTraining reports its own failures; reaching here means the run's log itself failed.
      console.error(`training worker: ${err instanceof Error ? err.stack : String(err)}`);
      port.postMessage({ kind: 'done', runId: m.job.runId, status: 'failed' } satisfies WorkerMessage);
    });
  });
}
