// Training-time estimate per epoch (shared, pure): a model's work per layer kind, priced with rates fitted to bench/BASELINE.md.
import { analyse } from './analyse.js';
import { kindOf } from './layerKinds.js';
import { product } from './geometry.js';
import { validateModelSpec } from './inferShapes.js';
import type { ModelSpec } from '../spec.js';

/**
 * Rates fitted (`npx tsx bench/fit-cost.ts --peak 204`: root-mean-square relative error, Dense held under the SGEMM
 * peak) to the training samples/s of the seven bench models in bench/CALIBRATION.md (2026-11-28 08:48 run): wasm backend
 * + native kernels, every one of the seven on a fused step (the fused MLP step with Adam inside the GEMMs; the fused CNN
 * step: fused conv layers, Winograd, direct and implicit-GEMM convolutions, fused relu/relu6 + max-pool gradients, fused
 * BatchNormalization), 2 cores, batch 128. RMS error 3.3 %: the seed ANN 6 % slower and mlp-bn 6 % faster than
 * estimated, the five CNNs within 2 %. A fitted rate is a model's share of the time, not a kernel's own speed; the fused
 * CNN step's per-layer cost sits at its floor of 0.1 ms a batch (fit-cost.ts), or the fit would move it into the
 * per-sample rates. Training work is 6 × forward MACs (forward, input gradient, weight gradient), as the bench counts it.
 */
export const WASM_NATIVE_RATES = {
  /** Dense (matmul) training throughput, GFLOP/s, under the measured 204 GFLOP/s SGEMM peak (the fit's cap). */
  denseGflops: 173,
  /**
   * Conv2D training throughput, GFLOP/s of direct-convolution FLOPs (im2col + GEMM, both gradients; 3×3 stride-1 layers
   * go through Winograd F(2×2, 3×3), fewer multiplications, and the one-channel first layers run direct kernels, which is
   * how this effective rate exceeds the GEMM peak).
   */
  convGflops: 254,
  /**
   * BatchNormalization: seconds per output element per sample, forward and backward. The fused native kernels brought
   * it from 33 ns (bench/BASELINE.md) to under 2 ns: the seed CNN with BN trains ~1.2× slower than without, not 4.6×.
   */
  bnSecondsPerElement: 1.19e-9,
  /**
   * Fixed cost per batch of each layer with weights (Dense, Conv2D, BatchNormalization) for plain MLPs, which train
   * through the fused MLP step (electron/engine/train/fusedMlp.ts: no tfjs tape, docs/FUSED_MLP.md).
   */
  mlpLayerSecondsPerBatch: 0.0516e-3,
  /**
   * Fixed cost per batch of each layer with weights for Sequential CNNs of the calibrated kinds, which train through the
   * fused CNN step (electron/engine/train/fusedCnnTrain.ts: no tfjs tape, docs/FUSED_CNN_TRAIN.md).
   */
  cnnLayerSecondsPerBatch: 0.100e-3,
  /**
   * Fixed cost per batch of each layer with weights (Dense, Conv2D, BatchNormalization) on the taped step: tfjs bookkeeping
   * and Adam's update. Graph models and the uncalibrated kinds train there; so do runs with gradient clipping or weight
   * penalties (the objective step on the tape), which the estimate does not see (it prices the spec only) and so reads
   * as fused. Not refitted since every calibrated model moved to a fused step: the 2026-11-28 02:02 fit.
   */
  layerSecondsPerBatch: 0.358e-3,
  /** Flatten, Dropout: seconds per output element per sample (relu is fused into its layer); pooling per input element. */
  elementwiseSecondsPerElement: 1.18e-9,
  /**
   * A Dense or Conv2D activation other than relu/linear/softmax (elu, selu, gelu, swish, tanh, …): its own kernel forward
   * and backward, seconds per output element per sample.
   */
  activationSecondsPerElement: 2.06e-9,
  /**
   * Inference (the validation pass) as a share of the training compute above, plus a per-layer cost per batch of 1000 (the
   * engine's EVAL_BATCH). Fitted to the inference column of the same table (a grid search on the log error, RMS 16 %):
   * cnn-bn 1.3× faster than estimated and k5-gap 1.3× slower, the rest within 18 %. Sequential CNNs now infer through the
   * fused CNN path, which also skips the rows and columns no later layer reads (docs/FUSED_CNN_INFER.md): forward-only
   * work comes out at 0.26 of training, under the 1/3 of the FLOP count.
   */
  inferenceComputeShare: 0.26,
  inferenceLayerSecondsPerBatch: 0.12e-3,
  /**
   * Fixed cost of every epoch outside its batches (shuffle, metrics, events): the engine's logged epochs of the seed ANN
   * run 0.04–0.05 s longer than training plus validation at the bench rates.
   */
  epochSecondsFixed: 0.05,
  /**
   * Once per run, in the first epoch: kernel and weight set-up before the first batch runs at speed. Logged first epochs
   * ran 0.2 s (seed ANN) to 1.4 s (seed CNN, at 1,000 and at 50,000 training images) longer than the later ones.
   */
  warmupSeconds: 1,
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

/** The engine's validation batch (electron/engine/train/loop.ts EVAL_BATCH). */
const EVAL_BATCH = 1000;

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
  /** Training, validation pass and the fixed per-epoch cost of one epoch (the first epoch also pays `warmupSeconds`). */
  secondsPerEpoch: number;
  trainSeconds: number;
  validationSeconds: number;
  /** Per-epoch cost outside the batches. */
  fixedSeconds: number;
  /** Paid once per run, in the first epoch. */
  warmupSeconds: number;
  samplesPerSecond: number;
  /** The validation pass's forward-only rate. */
  inferenceSamplesPerSecond: number;
  /** Training FLOPs per sample (6 × MACs). */
  flopsPerSample: number;
  /** What the model achieves overall: FLOPs over time, layer overheads included. BN drags it down. */
  effectiveGflops: number;
  perKind: KindCost[];
  backend: string;
  /** False when the backend's speed was never measured: the wasm figures are shown as they are. */
  calibrated: boolean;
  /**
   * Layer kinds (and options) of this model that no calibrated bench model has, so their rates are guesses: they run on
   * slower paths than the calibrated kinds (bench residual-sep: ~0.13× PyTorch), so the estimate can be several times low.
   */
  uncalibratedKinds: string[];
}

/** What bench/CALIBRATION.md's models use: rates for anything else are extrapolated. */
const CALIBRATED_KINDS = new Set(['Dense', 'Conv2D', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'BatchNormalization', 'Dropout', 'Flatten']);

/** The model's layer kinds outside the calibrated set, in order of first use; a dilated Conv2D counts as its own kind. */
function uncalibrated(spec: ModelSpec): string[] {
  const out = new Set<string>();
  for (const l of spec.layers) {
    const dilated = l.type === 'Conv2D' && l.dilationRate != null && (Array.isArray(l.dilationRate) ? l.dilationRate.some((d) => d > 1) : l.dilationRate > 1);
    if (!CALIBRATED_KINDS.has(l.type)) out.add(l.type);
    else if (dilated) out.add('dilated Conv2D');
    if ('inputs' in l && l.inputs) out.add('branches (inputs)');
  }
  return [...out];
}

/** A chain of Flatten/Dense/Dropout/BatchNormalization layers: what the fused MLP training step takes (fusedMlpPlan.ts). */
function isPlainMlp(spec: ModelSpec): boolean {
  return spec.layers.every((l) => ['Flatten', 'Dense', 'Dropout', 'BatchNormalization'].includes(l.type) && !('inputs' in l && l.inputs));
}

/** Activations that cost nothing extra: fused into the layer's kernel (relu, linear) or part of the loss (softmax). */
const UNFUSED_FREE = new Set(['relu', 'linear', 'softmax']);

type Kind = KindCost['kind'];
const KINDS: readonly Kind[] = ['Conv2D', 'Dense', 'BatchNormalization', 'other'];

/** Per-sample compute seconds by kind (no per-batch costs), layers with weights, and FLOPs. Throws SpecError on an invalid spec. */
function perSample(spec: unknown, r: CostRates) {
  const valid = validateModelSpec(spec);
  const compute: Record<Kind, number> = { Dense: 0, Conv2D: 0, BatchNormalization: 0, other: 0 };
  const layers: Record<Kind, number> = { Dense: 0, Conv2D: 0, BatchNormalization: 0, other: 0 };
  const flops: Record<Kind, number> = { Dense: 0, Conv2D: 0, BatchNormalization: 0, other: 0 };
  for (const s of analyse(spec).steps) {
    // Depthwise and separable convolutions are priced as convolutions (their MACs), an estimate: no bench model has them yet.
    const t = s.layer.type === 'DepthwiseConv2D' || s.layer.type === 'SeparableConv2D' ? 'Conv2D' : s.layer.type;
    const f = 6 * kindOf(s.layer).macs(s.input, s.output, s.layer);
    if (t === 'Dense' || t === 'Conv2D') {
      compute[t] += f / ((t === 'Dense' ? r.denseGflops : r.convGflops) * 1e9);
      const act = (s.layer as { activation?: string }).activation ?? 'linear';
      if (!UNFUSED_FREE.has(act)) compute.other += product(s.output) * r.activationSecondsPerElement;
      flops[t] += f;
      layers[t]++;
    } else if (t === 'BatchNormalization') {
      compute.BatchNormalization += product(s.output) * r.bnSecondsPerElement;
      layers.BatchNormalization++;
    } else {
      // Pooling reads (and its gradient writes) every input element: priced by its input, the rest by its output.
      const pooled = s.layer.type === 'MaxPooling2D' || s.layer.type === 'AveragePooling2D';
      compute.other += product(pooled ? s.input : s.output) * r.elementwiseSecondsPerElement;
    }
  }
  return { compute, layers, flops, uncalibratedKinds: uncalibrated(valid), plainMlp: isPlainMlp(valid) };
}

/** Estimated time of one epoch (training, validation pass, fixed cost). An estimate: ±12 % on the bench set's training rates. */
export function estimateEpochCost(input: CostInput): CostEstimate {
  const r = input.rates ?? WASM_NATIVE_RATES;
  const batch = Math.max(1, Math.round(input.batchSize));
  const { compute, layers, flops, uncalibratedKinds, plainMlp } = perSample(input.spec, r);
  // The fused steps' per-layer cost where the engine takes them (plain MLPs; Sequential CNNs of the calibrated kinds, which
  // are the fused CNN step's), the taped step's otherwise.
  const perLayer = plainMlp ? r.mlpLayerSecondsPerBatch : uncalibratedKinds.length === 0 ? r.cnnLayerSecondsPerBatch : r.layerSecondsPerBatch;
  const backend = BACKEND_FACTORS[input.backend] ?? { factor: 1, calibrated: false };
  const by = Object.fromEntries(KINDS.map((k) => [k, compute[k] + (layers[k] * perLayer) / batch])) as Record<Kind, number>;
  const wasmSample = KINDS.reduce((a, k) => a + by[k], 0);
  const sampleSeconds = wasmSample * backend.factor;
  const inferSample = (KINDS.reduce((a, k) => a + compute[k] * r.inferenceComputeShare + (layers[k] * r.inferenceLayerSecondsPerBatch) / EVAL_BATCH, 0)) * backend.factor;
  const trainSamples = Math.max(0, input.trainSamples);
  const trainSeconds = sampleSeconds * trainSamples;
  const validationSeconds = inferSample * Math.max(0, input.validationSamples);
  const flopsPerSample = flops.Dense + flops.Conv2D;
  const perKind = KINDS.filter((k) => by[k] > 0).map((k) => ({
    kind: k,
    seconds: by[k] * backend.factor * trainSamples,
    share: by[k] / (wasmSample || 1),
    flopShare: flopsPerSample ? flops[k] / flopsPerSample : 0,
  }));
  return {
    secondsPerEpoch: trainSeconds + validationSeconds + r.epochSecondsFixed,
    trainSeconds,
    validationSeconds,
    fixedSeconds: r.epochSecondsFixed,
    warmupSeconds: r.warmupSeconds,
    samplesPerSecond: sampleSeconds > 0 ? 1 / sampleSeconds : Infinity,
    inferenceSamplesPerSecond: inferSample > 0 ? 1 / inferSample : Infinity,
    flopsPerSample,
    effectiveGflops: sampleSeconds > 0 ? flopsPerSample / sampleSeconds / 1e9 : 0,
    perKind,
    backend: input.backend,
    calibrated: backend.calibrated && uncalibratedKinds.length === 0,
    uncalibratedKinds,
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
