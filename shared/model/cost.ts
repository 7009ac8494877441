// Training-time estimate per epoch (shared, pure): a model's work per layer kind, priced with rates fitted to bench/BASELINE.md.
import { analyse } from './analyse.js';
import { kindOf } from './layerKinds.js';
import { product } from './geometry.js';
import { validateModelSpec } from './inferShapes.js';

/**
 * Rates fitted (non-negative least squares on relative error) to the training samples/s of the seven bench models in
 * bench/BASELINE.md: wasm backend + native kernels, 2 cores, batch 128. The fit reproduces ann, cnn, strong, cnn-bn and
 * strided-elu within 10 %, mlp-bn 1.26× and k5-gap 1.8× slower than estimated (its selu/swish/gelu run on stock kernels).
 * Training work is 6 × forward MACs (forward, input gradient, weight gradient), as the bench counts it.
 */
export const WASM_NATIVE_RATES = {
  /** Dense (matmul) training throughput, GFLOP/s. */
  denseGflops: 99,
  /** Conv2D training throughput, GFLOP/s. */
  convGflops: 68,
  /**
   * BatchNormalization: seconds per output element per sample, forward and backward. It has no MACs, yet 33 ns an element
   * makes BN after the seed CNN's convolutions cost 3.5× those convolutions: the batch statistics and their op-graph
   * gradient run as many small stock kernels (bench/BASELINE.md, "Where the time goes").
   */
  bnSecondsPerElement: 33e-9,
  /** Fixed cost per batch of each layer with weights (Dense, Conv2D, BatchNormalization): tfjs bookkeeping and Adam's update. */
  layerSecondsPerBatch: 1.11e-3,
  /** Pooling, Flatten, Dropout and activations: the fit gives them no measurable cost of their own. */
  elementwiseSecondsPerElement: 0,
} as const;

export type CostRates = { readonly [K in keyof typeof WASM_NATIVE_RATES]: number };

/**
 * How a backend compares with the calibrated one, as a factor on time. `cpu` (plain JavaScript) was measured on the seed
 * ANN against wasm in the same session (190 vs 7,486 samples/s: 39×); its seed-CNN measurement did not finish 6 batches
 * in minutes, so for convolutions the factor is a floor. `tensorflow*` was not measured on this machine.
 */
export const BACKEND_FACTORS: Record<string, { factor: number; calibrated: boolean }> = {
  wasm: { factor: 1, calibrated: true },
  cpu: { factor: 39, calibrated: false },
  tensorflow: { factor: 1, calibrated: false },
  'tensorflow-gpu': { factor: 1, calibrated: false },
};

/** Validation is forward-only: the bench's inference runs 4.6–10× the training rate; the slower end is taken. */
const VALIDATION_SHARE = 1 / 4;

export interface CostInput {
  spec: unknown;
  backend: string;
  trainSamples: number;
  validationSamples: number;
  batchSize: number;
  rates?: CostRates;
}

export interface KindCost {
  kind: 'Dense' | 'Conv2D' | 'BatchNormalization' | 'other';
  /** Training seconds of this kind per epoch. */
  seconds: number;
  /** Share of the epoch's training time, 0–1. */
  share: number;
  /** Share of the training FLOPs, 0–1. */
  flopShare: number;
}

export interface CostEstimate {
  secondsPerEpoch: number;
  trainSeconds: number;
  validationSeconds: number;
  samplesPerSecond: number;
  /** Training FLOPs per sample (6 × MACs). */
  flopsPerSample: number;
  /** What the model achieves overall: FLOPs over time, layer overheads included. BN drags it down. */
  effectiveGflops: number;
  perKind: KindCost[];
  backend: string;
  /** False when the backend's speed was never measured: the wasm figures are shown as they are. */
  calibrated: boolean;
}

/** Training seconds per sample by kind, plus FLOPs per sample. Throws SpecError on an invalid spec. */
function perSample(spec: unknown, batchSize: number, r: CostRates) {
  validateModelSpec(spec);
  const by = { Dense: 0, Conv2D: 0, BatchNormalization: 0, other: 0 };
  const flops = { Dense: 0, Conv2D: 0, BatchNormalization: 0, other: 0 };
  for (const s of analyse(spec).steps) {
    const t = s.layer.type;
    const f = 6 * kindOf(s.layer).macs(s.input, s.output, s.layer);
    const overhead = r.layerSecondsPerBatch / batchSize;
    if (t === 'Dense') {
      by.Dense += f / (r.denseGflops * 1e9) + overhead;
      flops.Dense += f;
    } else if (t === 'Conv2D') {
      by.Conv2D += f / (r.convGflops * 1e9) + overhead;
      flops.Conv2D += f;
    } else if (t === 'BatchNormalization') {
      by.BatchNormalization += product(s.output) * r.bnSecondsPerElement + overhead;
    } else {
      by.other += product(s.output) * r.elementwiseSecondsPerElement;
    }
  }
  return { by, flops };
}

/** Estimated time of one epoch (training plus validation pass). An estimate: ±10 % on most of the bench set, up to 1.8× on exotic activations. */
export function estimateEpochCost(input: CostInput): CostEstimate {
  const r = input.rates ?? WASM_NATIVE_RATES;
  const batch = Math.max(1, Math.round(input.batchSize));
  const { by, flops } = perSample(input.spec, batch, r);
  const backend = BACKEND_FACTORS[input.backend] ?? { factor: 1, calibrated: false };
  const sampleSeconds = (by.Dense + by.Conv2D + by.BatchNormalization + by.other) * backend.factor;
  const trainSeconds = sampleSeconds * Math.max(0, input.trainSamples);
  const validationSeconds = sampleSeconds * VALIDATION_SHARE * Math.max(0, input.validationSamples);
  const flopsPerSample = flops.Dense + flops.Conv2D;
  const total = sampleSeconds / backend.factor || 1;
  const perKind = (['Conv2D', 'Dense', 'BatchNormalization', 'other'] as const)
    .filter((k) => by[k] > 0)
    .map((k) => ({ kind: k, seconds: by[k] * backend.factor * input.trainSamples, share: by[k] / total, flopShare: flopsPerSample ? flops[k] / flopsPerSample : 0 }));
  return {
    secondsPerEpoch: trainSeconds + validationSeconds,
    trainSeconds,
    validationSeconds,
    samplesPerSecond: sampleSeconds > 0 ? 1 / sampleSeconds : Infinity,
    flopsPerSample,
    effectiveGflops: sampleSeconds > 0 ? flopsPerSample / sampleSeconds / 1e9 : 0,
    perKind,
    backend: input.backend,
    calibrated: backend.calibrated,
  };
}

/** Training and validation sizes of a data config, as the engine splits the 60,000 training images (an estimate for `limit`). */
export function epochSizes(data: { limit: number | null; split: { type: 'tail'; validationSize: number } | { type: 'fraction'; validationFraction: number } }): { train: number; validation: number } {
  const TRAIN_FILE = 60_000;
  const val = data.split.type === 'tail' ? data.split.validationSize : Math.round(TRAIN_FILE * data.split.validationFraction);
  const train = Math.max(0, TRAIN_FILE - val);
  if (data.limit === null || data.limit >= train) return { train, validation: val };
  return { train: data.limit, validation: Math.max(1, Math.round((val * data.limit) / train)) };
}
