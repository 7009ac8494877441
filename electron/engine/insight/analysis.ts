// Engine/insight: calibration and embeddings of a stored run, from its saved model (runs in the insight worker).
// The run stores only the misclassified test probabilities, so the model is loaded and the test and validation
// splits (rebuilt from the run's config and seed) are evaluated again: inference is deterministic, the numbers repeat.
import * as tf from '@tensorflow/tfjs';
import {
  DEFAULT_CALIBRATION_BINS, applyTemperature, calibrationErrors, confidenceByCorrectness, fitTemperature, oneVsRest,
  precisionRecallCurve, reliabilityBins, rocCurve, thinCurve,
} from '../../../shared/calibration.js';
import { NUM_CLASSES } from '../../../shared/classes.js';
import type { Calibration, Embedding, EmbeddingMethod } from '../../../shared/insight.js';
import type { RunConfig } from '../../../shared/run.js';
import type { FashionMnist } from '../data/dataset.js';
import { makeSplit } from '../data/split.js';
import { fillBatch } from '../data/batches.js';
import { RunStore } from '../runs/store.js';
import { StoreError } from '../runs/errors.js';
import { sizeOf } from '../train/step.js';
import { pca2, umap2 } from './projection.js';

const BATCH = 500;

export type Progress = (stage: string, fraction: number) => void;

export interface StoredModel {
  model: tf.LayersModel;
  config: RunConfig;
  /** The model with two outputs: the last layer's input (the features) and the class probabilities. */
  features: tf.LayersModel;
  featureLayer: string;
}

/** Loads a finished run's model and config; a run without a saved model fails with the store's message. */
export async function loadStoredModel(store: RunStore, runId: string): Promise<StoredModel> {
  const detail = await store.get(runId);
  if (!detail.config) throw new StoreError(`run ${runId} has no readable config.json`, runId);
  const model = await tf.loadLayersModel(store.modelHandler(runId));
  const f = featureModel(model);
  if (!f) throw new StoreError(`run ${runId}: the model's output layer reads the input directly, so it has no penultimate layer to project`, runId);
  return { model, config: detail.config, ...f };
}

/**
 * The model with two outputs, the features the output layer reads (its input: in a sequential model the layer before
 * it, in a graph model whichever layer feeds the final Dense) and the class probabilities; null when the output layer
 * reads the model input itself. `featureLayer` names the layer the features come from.
 */
export function featureModel(model: tf.LayersModel): { features: tf.LayersModel; featureLayer: string } | null {
  const output = model.outputs[0];
  const last = output.sourceLayer;
  const node = last.inboundNodes[output.nodeIndex];
  const before = node?.inboundLayers.length === 1 ? node.inboundLayers[0] : null;
  if (!before || before.getClassName() === 'InputLayer') return null;
  const input = node.inputTensors[0];
  const features = tf.model({ inputs: model.inputs, outputs: [input, output] });
  return { features, featureLayer: before.name };
}

/** Class probabilities (n × 10) and features (n × d) of the given images, BATCH at a time. */
export function evaluate(m: StoredModel, images: Uint8Array, indices: Int32Array, onProgress?: (fraction: number) => void): { probs: Float32Array; features: Float32Array; dims: number } {
  const inputShape = m.config.request.model.inputShape as number[];
  const size = sizeOf(inputShape);
  const x = new Float32Array(BATCH * size);
  const dims = sizeOf((m.features.outputs[0].shape as number[]).slice(1));
  const probs = new Float32Array(indices.length * NUM_CLASSES);
  const features = new Float32Array(indices.length * dims);
  for (let start = 0; start < indices.length; start += BATCH) {
    const end = Math.min(start + BATCH, indices.length);
    const n = fillBatch(images, indices, start, end, x, null);
    tf.tidy(() => {
      const [f, p] = m.features.predict(tf.tensor(x.subarray(0, n * size), [n, ...inputShape], 'float32')) as tf.Tensor[];
      features.set(f.dataSync(), start * dims);
      probs.set(p.dataSync(), start * NUM_CLASSES);
    });
    onProgress?.(end / indices.length);
  }
  return { probs, features, dims };
}

function labelsOf(labels: Uint8Array, indices: Int32Array): Uint8Array {
  return Uint8Array.from(indices, (i) => labels[i]);
}

/** Reliability, ECE/MCE, per-class ROC/PR, confidence of right and wrong, and temperature fitted on validation. */
export function calibrationOf(m: StoredModel, ds: FashionMnist, onProgress: Progress): Calibration {
  const started = performance.now();
  const split = makeSplit(m.config.request.data, ds.trainCount, ds.testCount);
  const test = evaluate(m, ds.testImages, split.test, (f) => onProgress('test predictions', 0.6 * f));
  const labels = labelsOf(ds.testLabels, split.test);
  const bins = reliabilityBins(test.probs, labels, NUM_CLASSES, DEFAULT_CALIBRATION_BINS);
  const { ece, mce } = calibrationErrors(bins);
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let arg = 0;
    for (let c = 1; c < NUM_CLASSES; c++) if (test.probs[i * NUM_CLASSES + c] > test.probs[i * NUM_CLASSES + arg]) arg = c;
    if (arg === labels[i]) correct++;
  }
  const perClass = Array.from({ length: NUM_CLASSES }, (_, c) => {
    const { scores, positive } = oneVsRest(test.probs, labels, NUM_CLASSES, c);
    const pos = Array.from(positive, (v) => v === 1);
    const roc = rocCurve(scores, pos);
    const pr = precisionRecallCurve(scores, pos);
    const finite = (v: number) => (Number.isFinite(v) ? v : null);
    const thinRoc = thinCurve(roc), thinPr = thinCurve(pr);
    return { rocAuc: finite(roc.auc), averagePrecision: finite(pr.auc), roc: { x: thinRoc.x, y: thinRoc.y }, pr: { x: thinPr.x, y: thinPr.y } };
  });
  onProgress('temperature scaling', 0.7);
  let temperature: Calibration['temperature'] = null;
  if (split.validation.length > 0) {
    const val = evaluate(m, ds.trainImages, split.validation, (f) => onProgress('validation predictions', 0.7 + 0.25 * f));
    const fit = fitTemperature(val.probs, labelsOf(ds.trainLabels, split.validation), NUM_CLASSES);
    const scaledBins = reliabilityBins(applyTemperature(test.probs, NUM_CLASSES, fit.temperature), labels, NUM_CLASSES, DEFAULT_CALIBRATION_BINS);
    const after = calibrationErrors(scaledBins);
    temperature = {
      value: fit.temperature, validationSamples: split.validation.length, nllBefore: fit.nllBefore, nllAfter: fit.nllAfter,
      eceBefore: ece, eceAfter: after.ece, mceAfter: after.mce, bins: scaledBins,
    };
  }
  onProgress('done', 1);
  return {
    version: 1, runId: m.config.id, split: 'test', samples: labels.length, accuracy: labels.length ? correct / labels.length : 0,
    bins, ece, mce, confidence: confidenceByCorrectness(test.probs, labels, NUM_CLASSES), perClass, temperature,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Significant digits kept in a stored embedding: plenty for a scatter plot, a third of the file. */
const round = (v: number) => Number(v.toPrecision(5));

/** The test set's penultimate-layer features projected to 2-D, seeded with the run's seed. */
export async function embeddingOf(m: StoredModel, ds: FashionMnist, method: EmbeddingMethod, onProgress: Progress): Promise<Embedding> {
  const started = performance.now();
  const split = makeSplit(m.config.request.data, ds.trainCount, ds.testCount);
  const test = evaluate(m, ds.testImages, split.test, (f) => onProgress('features', 0.3 * f));
  const n = split.test.length;
  const predicted = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let arg = 0;
    for (let c = 1; c < NUM_CLASSES; c++) if (test.probs[i * NUM_CLASSES + c] > test.probs[i * NUM_CLASSES + arg]) arg = c;
    predicted[i] = arg;
  }
  const seed = m.config.seed;
  onProgress(method === 'pca' ? 'PCA' : 'UMAP', 0.3);
  const p = method === 'pca'
    ? pca2(test.features, n, test.dims, seed)
    : await umap2(test.features, n, test.dims, seed, (f) => onProgress('UMAP', 0.3 + 0.7 * f));
  onProgress('done', 1);
  return {
    version: 1, runId: m.config.id, method, seed, layer: m.featureLayer, dims: test.dims,
    testIndices: Array.from(split.test), labels: Array.from(labelsOf(ds.testLabels, split.test)), predicted,
    x: Array.from(p.x, round), y: Array.from(p.y, round), explained: p.explained, seconds: (performance.now() - started) / 1000,
  };
}
