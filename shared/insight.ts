// Contract of a run's insight files: weight/gradient histograms over training, calibration, and the embedding.
// Stored files are read back through these schemas (imported runs included), so every array is bounded.
import { z } from 'zod';
import { RunIdSchema } from './run.js';

const num = z.number();
const count = z.number().int().min(0).max(1e9);
const name = z.string().max(200);

/** Bins of every weight and gradient histogram, per weight tensor and epoch. */
export const HISTOGRAM_BINS = 64;
/** Training images in the fixed probe batch whose gradients are recorded. */
export const PROBE_SIZE = 256;
/** Most weight tensors recorded per epoch (the rest are left out and counted). */
export const MAX_HISTOGRAM_TENSORS = 200;

export const HistogramSchema = z.object({ min: num, max: num, counts: z.array(count).max(HISTOGRAM_BINS) });
export type Histogram = z.infer<typeof HistogramSchema>;

export const TensorHistogramSchema = z.object({
  /** The variable's name, e.g. conv2d_1/kernel. */
  name,
  layer: name,
  size: count,
  weights: HistogramSchema,
  gradients: HistogramSchema,
  /** L2 norm of the tensor's gradient on the probe batch. */
  gradNorm: num,
  weightNorm: num,
});
export type TensorHistogram = z.infer<typeof TensorHistogramSchema>;

export const DeadReluSchema = z.object({
  layer: name,
  /** Units (a conv layer: every channel at every position) whose ReLU output is 0 for all probe images. */
  dead: count,
  units: count,
});

export const EpochHistogramsSchema = z.object({
  epoch: count,
  tensors: z.array(TensorHistogramSchema).max(MAX_HISTOGRAM_TENSORS),
  deadRelu: z.array(DeadReluSchema).max(MAX_HISTOGRAM_TENSORS),
  /** Weight tensors beyond MAX_HISTOGRAM_TENSORS that were not recorded. */
  omitted: count.default(0),
});
export type EpochHistograms = z.infer<typeof EpochHistogramsSchema>;

export const TrainingHistogramsSchema = z.object({
  version: z.literal(1),
  bins: z.number().int().min(1).max(HISTOGRAM_BINS),
  probe: z.object({
    /** Training images drawn once with the run's seed; gradients in inference mode (dropout off, BN moving stats). */
    size: count,
    seed: z.number().int().min(0).max(2 ** 32),
    mode: z.literal('inference'),
  }),
  epochs: z.array(EpochHistogramsSchema).max(1000),
});
export type TrainingHistograms = z.infer<typeof TrainingHistogramsSchema>;

const curve = z.object({ x: z.array(num).max(1000), y: z.array(num).max(1000) });

export const ReliabilityBinSchema = z.object({ lower: num, upper: num, count, accuracy: num, confidence: num });

export const CalibrationSchema = z.object({
  version: z.literal(1),
  runId: RunIdSchema,
  split: z.literal('test'),
  samples: count,
  accuracy: num,
  bins: z.array(ReliabilityBinSchema).max(100),
  ece: num,
  mce: num,
  confidence: z.object({ correct: num.nullable(), wrong: num.nullable(), nCorrect: count, nWrong: count }),
  /** One-vs-rest per class: ROC (x = FPR, y = TPR) and precision–recall (x = recall, y = precision), thinned to ≤ 200 points. */
  perClass: z.array(z.object({ rocAuc: num.nullable(), averagePrecision: num.nullable(), roc: curve, pr: curve })).max(100),
  /** Temperature fitted on the validation split; null when the run has no validation images. */
  temperature: z.object({
    value: num,
    validationSamples: count,
    nllBefore: num,
    nllAfter: num,
    /** On the test split, with the fitted temperature. */
    eceBefore: num,
    eceAfter: num,
    mceAfter: num,
    bins: z.array(ReliabilityBinSchema).max(100),
  }).nullable(),
  seconds: num,
});
export type Calibration = z.infer<typeof CalibrationSchema>;

export const EMBEDDING_METHODS = ['pca', 'umap'] as const;
export const EmbeddingMethodSchema = z.enum(EMBEDDING_METHODS);
export type EmbeddingMethod = z.infer<typeof EmbeddingMethodSchema>;

const MAX_POINTS = 70_000;
export const EmbeddingSchema = z.object({
  version: z.literal(1),
  runId: RunIdSchema,
  method: EmbeddingMethodSchema,
  seed: z.number().int().min(0).max(2 ** 32),
  /** The layer whose outputs are projected (the input of the last Dense layer). */
  layer: name,
  dims: count,
  testIndices: z.array(z.number().int().min(0).max(MAX_POINTS - 1)).max(MAX_POINTS),
  labels: z.array(z.number().int().min(0).max(99)).max(MAX_POINTS),
  predicted: z.array(z.number().int().min(0).max(99)).max(MAX_POINTS),
  x: z.array(num).max(MAX_POINTS),
  y: z.array(num).max(MAX_POINTS),
  /** PCA only: the share of variance the two components explain. */
  explained: z.array(num).max(2).nullable(),
  seconds: num,
});
export type Embedding = z.infer<typeof EmbeddingSchema>;

/** Progress of an insight computation, pushed while the worker runs it. */
export const InsightProgressSchema = z.object({
  runId: RunIdSchema,
  task: z.enum(['calibration', 'embedding-pca', 'embedding-umap']),
  stage: z.string().max(200),
  /** 0–1 */
  fraction: z.number().min(0).max(1),
});
export type InsightProgress = z.infer<typeof InsightProgressSchema>;
