// Engine/insight: per-epoch weight and gradient histograms of a training run, written into its folder (training worker).
// The gradients are those of one fixed probe batch (PROBE_SIZE training images drawn once with the run's seed),
// taken in inference mode: dropout off and BatchNorm on its moving statistics, so the probe draws no dropout mask,
// moves no BN statistic and never touches the optimizer: the run's numbers stay what they would be without it.
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import {
  HISTOGRAM_BINS, MAX_HISTOGRAM_TENSORS, PROBE_SIZE, TrainingHistogramsSchema,
  type EpochHistograms, type Histogram, type TrainingHistograms,
} from '../../../shared/insight.js';
import { NUM_CLASSES } from '../../../shared/classes.js';
import { fillBatch, fillLabels } from '../data/batches.js';
import { mulberry32 } from '../data/rng.js';
import { writeFileAtomic } from '../runs/atomic.js';
import { readJson } from '../runs/files.js';
import { sparseCategoricalCrossentropy, sizeOf } from '../train/step.js';

export const HISTOGRAMS_FILE = 'histograms.json';
/** Mixed into the run's seed so the probe draw is its own stream, apart from shuffling and augmentation. */
const PROBE_SALT = 0x68697374;

/** Equal-width histogram over [min, max] of the values (a constant tensor puts everything in the middle bin). */
export function histogram(values: ArrayLike<number>, bins = HISTOGRAM_BINS): Histogram {
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const counts = new Array<number>(bins).fill(0);
  if (values.length === 0) return { min: 0, max: 0, counts };
  if (!(max > min)) {
    counts[bins >> 1] = values.length;
    return { min, max, counts };
  }
  const scale = bins / (max - min);
  for (let i = 0; i < values.length; i++) counts[Math.min(bins - 1, Math.floor((values[i] - min) * scale))]++;
  return { min, max, counts };
}

function l2(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] * values[i];
  return Math.sqrt(s);
}

export interface RecorderInput {
  model: tf.LayersModel;
  images: Uint8Array;
  labels: Uint8Array;
  /** Training indices the probe is drawn from. */
  train: Int32Array;
  inputShape: number[];
  seed: number;
  runDir: string;
}

/** Records one epoch at a time; keeps the whole history in memory and rewrites the file atomically each epoch. */
export class HistogramRecorder {
  private readonly x: tf.Tensor;
  private readonly y: tf.Tensor1D;
  private readonly relu: { layers: tf.layers.Layer[]; model: tf.LayersModel } | null;
  private readonly data: TrainingHistograms;
  readonly file: string;

  constructor(private readonly input: RecorderInput) {
    const n = Math.min(PROBE_SIZE, input.train.length);
    const probeSeed = (input.seed ^ PROBE_SALT) >>> 0;
    const pick = probeIndices(input.train, n, probeSeed);
    const xb = new Float32Array(n * sizeOf(input.inputShape));
    const yb = new Int32Array(n);
    fillBatch(input.images, pick, 0, n, xb, null);
    fillLabels(input.labels, pick, 0, n, yb);
    this.x = tf.tensor(xb, [n, ...input.inputShape], 'float32');
    this.y = tf.tensor1d(yb, 'int32');
    const reluLayers = input.model.layers.filter((l) => (l.getConfig() as { activation?: unknown }).activation === 'relu');
    this.relu = reluLayers.length > 0
      ? { layers: reluLayers, model: tf.model({ inputs: input.model.inputs, outputs: reluLayers.map((l) => l.output as tf.SymbolicTensor) }) }
      : null;
    this.file = path.join(input.runDir, HISTOGRAMS_FILE);
    this.data = { version: 1, bins: HISTOGRAM_BINS, probe: { size: n, seed: probeSeed, mode: 'inference' }, epochs: [] };
  }

  /** Histograms of the model as it is now, appended as `epoch` and written to the run folder. */
  async record(epoch: number): Promise<EpochHistograms> {
    const entry = this.measure(epoch);
    this.data.epochs.push(entry);
    await writeFileAtomic(this.file, JSON.stringify(this.data));
    return entry;
  }

  measure(epoch: number): EpochHistograms {
    const { model } = this.input;
    const trainable = model.trainableWeights;
    const kept = trainable.slice(0, MAX_HISTOGRAM_TENSORS);
    const vars = kept.map((w) => w.read() as tf.Variable);
    const { value: loss, grads } = tf.variableGrads(() => tf.tidy(() => {
      const probs = model.apply(this.x, { training: false }) as tf.Tensor2D;
      return sparseCategoricalCrossentropy(probs, this.y, NUM_CLASSES);
    }), vars);
    const tensors = kept.map((w, i) => {
      const v = vars[i];
      const weights = v.dataSync();
      const g = grads[v.name].dataSync();
      return {
        name: w.originalName ?? w.name, layer: w.originalName?.split('/')[0] ?? w.name.split('/')[0], size: weights.length,
        weights: histogram(weights), gradients: histogram(g), gradNorm: l2(g), weightNorm: l2(weights),
      };
    });
    loss.dispose();
    Object.values(grads).forEach((g) => g.dispose());
    return { epoch, tensors, deadRelu: this.deadRelu(), omitted: trainable.length - kept.length };
  }

  private deadRelu(): EpochHistograms['deadRelu'] {
    if (!this.relu) return [];
    const { layers, model } = this.relu;
    return tf.tidy(() => {
      const out = model.predict(this.x) as tf.Tensor | tf.Tensor[];
      const list = Array.isArray(out) ? out : [out];
      return list.map((t, i) => {
        const peak = t.reshape([t.shape[0], -1]).max(0);
        const units = peak.size;
        const dead = units - (peak.greater(0).sum().dataSync()[0]);
        return { layer: layers[i].name, dead, units };
      });
    });
  }

  dispose(): void {
    this.x.dispose();
    this.y.dispose();
  }
}

/** `n` distinct indices of `pool`, drawn with a seeded partial Fisher–Yates (the pool is left as it is). */
export function probeIndices(pool: Int32Array, n: number, seed: number): Int32Array {
  const copy = Int32Array.from(pool);
  const rng = mulberry32(seed);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rng() * (copy.length - i));
    const t = copy[i]; copy[i] = copy[j]; copy[j] = t;
  }
  return copy.slice(0, n);
}

/** The run's histograms, or null for a run recorded before they existed (or whose file is damaged: `problem`). */
export async function readHistograms(runDir: string): Promise<{ value: TrainingHistograms | null; problem: string | null }> {
  return readJson(path.join(runDir, HISTOGRAMS_FILE), TrainingHistogramsSchema, false);
}

/**
 * The training loop's hook: a recorder that never fails the run. A histogram that cannot be computed or written is
 * reported once on the console and recording stops; training goes on unchanged.
 */
export function trainingHistograms(input: RecorderInput, enabled = true): { record(epoch: number): Promise<void>; dispose(): void } {
  let recorder: HistogramRecorder | null = null;
  const stop = (err: unknown) => {
    console.warn(`weight/gradient histograms stopped for ${input.runDir}: ${err instanceof Error ? err.message : String(err)}`);
    recorder?.dispose();
    recorder = null;
  };
  if (enabled) {
    try {
      recorder = new HistogramRecorder(input);
    } catch (err) {
      stop(err);
    }
  }
  return {
    async record(epoch) {
      try {
        await recorder?.record(epoch);
      } catch (err) {
        stop(err);
      }
    },
    dispose: () => recorder?.dispose(),
  };
}
