// Engine/explain: explanation requests against the run store and the data set — loads a run's stored model (kept for
// the next request on the same run), finds the image in the run's own split, and answers in the contract's shape.
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_DATA_CONFIG } from '../../../shared/hyper.js';
import {
  ExplainRequestSchema, FeatureMapsRequestSchema,
  type ExplainRequest, type ExplainResponse, type FeatureMapsRequest, type FeatureMapsResponse,
} from '../../../shared/explain.js';
import type { FashionMnist } from '../data/dataset.js';
import { RunStore } from '../runs/store.js';
import { ExplainError } from './errors.js';
import { explainImage, featureMaps, prepare, type Explainable, type ImageExplanation } from './explain.js';
import { splitImage } from './image.js';

export interface ExplainContext {
  store: RunStore;
  data: () => Promise<FashionMnist>;
}

/** The last few models asked for, by run id (a finished run's model never changes). */
const CACHE_SIZE = 3;
const cache = new Map<string, Promise<{ e: Explainable; data: typeof DEFAULT_DATA_CONFIG }>>();

async function load(store: RunStore, runId: string) {
  const detail = await store.get(runId);
  if (detail.summary.status !== 'finished') {
    throw new ExplainError(`run ${runId} is ${detail.summary.status}: only a finished run has a stored model to explain`, 'runId');
  }
  const model = await tf.loadLayersModel(store.modelHandler(runId));
  return { e: prepare(model), data: detail.config?.request.data ?? DEFAULT_DATA_CONFIG };
}

export function runModel(store: RunStore, runId: string) {
  const key = `${store.root}\u0000${runId}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = load(store, runId);
    cache.set(key, hit);
    hit.catch(() => cache.delete(key));
    while (cache.size > CACHE_SIZE) {
      const [oldest, p] = cache.entries().next().value!;
      cache.delete(oldest);
      void p.then(({ e }) => e.model.dispose(), () => undefined);
    }
  } else {
    cache.delete(key);
    cache.set(key, hit); // most recently used last
  }
  return hit;
}

export interface ExplainRunResult extends ExplainResponse {
  details: ImageExplanation['details'];
}

export async function explainRun(ctx: ExplainContext, raw: ExplainRequest): Promise<ExplainRunResult> {
  const req = ExplainRequestSchema.parse(raw);
  const started = performance.now();
  const { e, data } = await runModel(ctx.store, req.runId);
  const image = splitImage(await ctx.data(), data, req.split, req.index);
  const r = explainImage(e, image.pixels, { method: req.method, classes: req.classes, top: req.top, contrast: req.contrast, layer: req.layer, seed: req.seed });
  return {
    runId: req.runId, split: req.split, index: req.index, label: image.label, predicted: r.predicted,
    probabilities: r.probabilities.map((p) => Math.min(1, Math.max(0, p))), method: r.method, layer: r.layer,
    convLayers: r.convLayers, maps: r.maps, seconds: (performance.now() - started) / 1000, details: r.details,
  };
}

export async function featureMapsOfRun(ctx: ExplainContext, raw: FeatureMapsRequest): Promise<FeatureMapsResponse> {
  const req = FeatureMapsRequestSchema.parse(raw);
  const { e, data } = await runModel(ctx.store, req.runId);
  const image = splitImage(await ctx.data(), data, req.split, req.index);
  return { runId: req.runId, split: req.split, index: req.index, ...featureMaps(e, image.pixels) };
}
