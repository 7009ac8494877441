// Worker-thread entry for insight computations (calibration, embeddings) of stored runs, off the main thread.
// The data set and the last few loaded models are kept, so a second request on the same run starts at once.
import { parentPort } from 'node:worker_threads';
import type { Calibration, Embedding, EmbeddingMethod } from '../../../shared/insight.js';
import { loadFromDir, type FashionMnist } from '../data/dataset.js';
import { selectBackend } from '../backend/select.js';
import { RunStore } from '../runs/store.js';
import type { TrainJob } from '../train/loop.js';
import { calibrationOf, embeddingOf, loadStoredModel, type StoredModel } from './analysis.js';

export type InsightJob =
  | { id: number; kind: 'calibration'; runId: string; storeRoot: string; data: TrainJob['data'] }
  | { id: number; kind: 'embedding'; method: EmbeddingMethod; runId: string; storeRoot: string; data: TrainJob['data'] };

export type InsightReply =
  | { id: number; kind: 'progress'; stage: string; fraction: number }
  | { id: number; kind: 'result'; value: Calibration | Embedding }
  | { id: number; kind: 'error'; message: string };

let dataset: { key: string; ds: Promise<FashionMnist> } | null = null;
const models = new Map<string, Promise<StoredModel>>();
const KEEP_MODELS = 4;

function data(loc: TrainJob['data']): Promise<FashionMnist> {
  const key = JSON.stringify(loc);
  if (dataset?.key !== key) {
    const ds = loadFromDir(loc.dir, loc.kind, { strict: loc.strict });
    dataset = { key, ds };
    ds.catch(() => { if (dataset?.key === key) dataset = null; });
  }
  return dataset.ds;
}

function model(storeRoot: string, runId: string): Promise<StoredModel> {
  const key = `${storeRoot}\0${runId}`;
  let m = models.get(key);
  if (!m) {
    m = loadStoredModel(new RunStore(storeRoot), runId);
    models.set(key, m);
    m.catch(() => models.delete(key));
    while (models.size > KEEP_MODELS) {
      const [oldest, old] = models.entries().next().value as [string, Promise<StoredModel>];
      models.delete(oldest);
      void old.then((o) => { o.model.dispose(); }, () => undefined);
    }
  }
  return m;
}

async function run(port: NonNullable<typeof parentPort>, job: InsightJob): Promise<void> {
  const progress = (stage: string, fraction: number) => port.postMessage({ id: job.id, kind: 'progress', stage, fraction } satisfies InsightReply);
  try {
    await selectBackend('auto');
    progress('loading the model and data', 0);
    const [m, ds] = await Promise.all([model(job.storeRoot, job.runId), data(job.data)]);
    const value = job.kind === 'calibration' ? calibrationOf(m, ds, progress) : await embeddingOf(m, ds, job.method, progress);
    port.postMessage({ id: job.id, kind: 'result', value } satisfies InsightReply);
  } catch (err) {
    port.postMessage({ id: job.id, kind: 'error', message: err instanceof Error ? err.message : String(err) } satisfies InsightReply);
  }
}

if (parentPort) {
  const port = parentPort;
  // One job at a time: the service queues them, and two would only share the same two cores.
  let chain = Promise.resolve();
  port.on('message', (job: InsightJob) => {
    chain = chain.then(() => run(port, job));
  });
}
