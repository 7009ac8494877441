// Worker-thread entry for explanations (engine/explain): computes maps and feature maps off the main thread, one
// request at a time, on the same backend choice as training; the data set and recent models stay loaded.
import { parentPort } from 'node:worker_threads';
import type { ExplainRequest, FeatureMapsRequest } from '../../../shared/explain.js';
import { selectBackend } from '../backend/select.js';
import { loadFromDir, type FashionMnist } from '../data/dataset.js';
import type { DataLocation } from '../train/manager.js';
import { RunStore } from '../runs/store.js';
import { explainRun, featureMapsOfRun } from './job.js';

export type ExplainWorkerRequest =
  | { id: number; kind: 'explain'; storeRoot: string; data: DataLocation; request: ExplainRequest }
  | { id: number; kind: 'featureMaps'; storeRoot: string; data: DataLocation; request: FeatureMapsRequest };

export type ExplainWorkerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { name: string; message: string } };

let dataKey = '';
let dataset: Promise<FashionMnist> | null = null;
function dataFor(loc: DataLocation): Promise<FashionMnist> {
  const key = JSON.stringify(loc);
  if (!dataset || key !== dataKey) {
    dataKey = key;
    dataset = loadFromDir(loc.dir, loc.kind, { strict: loc.strict });
    dataset.catch(() => { dataset = null; });
  }
  return dataset;
}

async function handle(m: ExplainWorkerRequest): Promise<unknown> {
  await selectBackend('auto');
  const ctx = { store: new RunStore(m.storeRoot), data: () => dataFor(m.data) };
  if (m.kind === 'explain') {
    const { details: _details, ...response } = await explainRun(ctx, m.request);
    return response;
  }
  return featureMapsOfRun(ctx, m.request);
}

if (parentPort) {
  const port = parentPort;
  let chain: Promise<unknown> = Promise.resolve();
  port.on('message', (m: ExplainWorkerRequest) => {
    chain = chain.then(() => handle(m)).then(
      (result) => port.postMessage({ id: m.id, ok: true, result } satisfies ExplainWorkerReply),
      (err: unknown) => port.postMessage({
        id: m.id, ok: false,
        error: { name: err instanceof Error ? err.name : 'Error', message: err instanceof Error ? err.message : String(err) },
      } satisfies ExplainWorkerReply),
    );
  });
}
