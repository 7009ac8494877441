// Memory a training run needs, estimated from the spec before any tensor exists (shared contract layer, pure).
// The engine refuses runs that cannot fit; the numbers follow what tfjs 4.22 keeps alive at the peak of a step.
import type { Optimizer } from '../hyper.js';
import type { Activation, LayerSpec } from '../spec.js';
import { analyse } from './analyse.js';
import { pair, product } from './geometry.js';
import { validateModelSpec } from './inferShapes.js';
import { newLargestWeight, newLayerTensors } from './newMemory.js';

const FLOAT = 4;
/** The training loop evaluates validation and test sets this many samples at a time (loop.ts EVAL_BATCH). */
export const EVAL_BATCH = 1000;
/** Full Fashion-MNIST: the worker loads every image whatever the run's limit. */
export const FULL_DATA = { train: 60_000, test: 10_000 } as const;
const PIXELS = 784;
const CLASSES = 10;

export interface MemoryEstimateInput {
  /** A model spec (raw or parsed); throws SpecError when invalid. */
  model: unknown;
  batchSize: number;
  optimizer: Optimizer;
  /** Early stopping with restoreBestWeights keeps a second copy of the weights. */
  keepsBestWeights?: boolean;
  /** Images the worker holds; full Fashion-MNIST by default. */
  samples?: { train: number; test: number };
}

/** Bytes of each part. `tensors` parts live in the backend's memory (the wasm heap); `host` parts in the JS heap. */
export interface MemoryEstimate {
  params: number;
  trainableParams: number;
  /** Largest single weight tensor (elements): per-variable optimizer updates are sized by it. */
  largestWeight: number;
  batchSize: number;
  tensors: {
    weights: number;
    gradients: number;
    /** Optimizer slots (Adam: first and second moments; RMSProp: mean squares and momentum; momentum SGD: one). */
    optimizerState: number;
    /** Temporaries of the optimizer update that live until it ends (Adam: one tidy over all weights). */
    optimizerUpdate: number;
    bestWeights: number;
    /** The larger of a training step (forward tensors kept for backward, and their gradients) and an evaluation batch. */
    activations: number;
  };
  host: {
    /** Images, labels and index arrays the worker keeps for the whole run. */
    data: number;
    /** Batch buffers and test-set probabilities. */
    buffers: number;
    /** Saving the model copies every weight out of the backend and once more into one buffer. */
    modelSave: number;
  };
  /** Sum of `tensors`: what the backend must hold at the peak. */
  tensorBytes: number;
  /** Sum of `host`. */
  hostBytes: number;
  totalBytes: number;
  /** Which group dominates the tensor memory: the parameters (with gradients and optimizer state) or the activations. */
  dominant: 'parameters' | 'activations';
}

/** Tensors an activation function leaves on the tape per output element (tfjs-layers' formulas). */
const ACTIVATION_TENSORS: Record<Activation, number> = {
  linear: 0, relu: 1, relu6: 1, elu: 1, sigmoid: 1, tanh: 1, softmax: 1, softplus: 1, selu: 3, swish: 2, gelu: 5,
};

/** Tensors of output size a layer keeps alive per sample: in training (kept for backward) or in inference (until the tidy ends). */
function layerTensors(layer: LayerSpec, training: boolean): number {
  switch (layer.type) {
    case 'Dense':
    case 'Conv2D':
      return 1 + (layer.useBias ? 1 : 0) + ACTIVATION_TENSORS[layer.activation];
    case 'MaxPooling2D':
    case 'AveragePooling2D':
    case 'GlobalAveragePooling2D':
      return 1;
    case 'Flatten':
      return 0; // a reshape shares its input's buffer
    case 'Dropout':
      return training ? 2 : 0; // the scaled mask and the product
    case 'BatchNormalization':
      return training ? 3 : 1; // squared deviations for the variance, the normalised output, its input's centred copy
    default:
      return newLayerTensors(layer, training);
  }
}

/** Elements of the largest weight tensor of a layer (kernel, or bias/gamma when there is none). */
function largestWeightOf(layer: LayerSpec, input: readonly number[]): number {
  if (layer.type === 'Dense') return product(input) * layer.units;
  if (layer.type === 'Conv2D') {
    const k = pair(layer.kernelSize);
    return k[0] * k[1] * input[input.length - 1] * layer.filters;
  }
  if (layer.type === 'BatchNormalization') return input[input.length - 1];
  return newLargestWeight(layer, input);
}

/**
 * Slots per trainable weight, and temporaries of the update: Adam's update runs in one tidy over all weights,
 * so its 11 intermediates per weight live together; the others tidy each weight, so only the largest counts.
 */
function optimizerCost(opt: Optimizer, trainable: number, largest: number): { slots: number; update: number } {
  switch (opt.type) {
    case 'adam':
    case 'adamw':
      return { slots: 2 * trainable, update: 11 * trainable };
    case 'rmsprop':
      return { slots: 2 * trainable, update: 8 * largest };
    case 'sgd':
      return opt.momentum > 0 ? { slots: trainable, update: 4 * largest } : { slots: 0, update: 2 * largest };
  }
}

/** What a run of `model` at `batchSize` needs at its peak, part by part. Throws SpecError on an invalid spec. */
export function estimateTrainingMemory(input: MemoryEstimateInput): MemoryEstimate {
  const spec = validateModelSpec(input.model);
  const { report, steps } = analyse(spec);
  const batch = Math.max(1, Math.floor(input.batchSize));
  const inputSize = product(spec.inputShape);
  const lossTensors = 6 * CLASSES; // one-hot, clip, log, product, sums, argmax/equal
  let trainPerSample = inputSize + lossTensors;
  let evalPerSample = inputSize;
  let largest = 0;
  for (const s of steps) {
    const out = product(s.output);
    trainPerSample += layerTensors(s.layer, true) * out;
    evalPerSample += layerTensors(s.layer, false) * out;
    largest = Math.max(largest, largestWeightOf(s.layer, s.input));
  }
  const P = report.totalParams;
  const T = report.trainableParams;
  const opt = optimizerCost(input.optimizer, T, largest);
  // Backward holds a gradient for about every forward tensor on the tape.
  const trainActivations = 2 * trainPerSample * batch;
  const evalActivations = evalPerSample * EVAL_BATCH;
  const tensors = {
    weights: FLOAT * P,
    gradients: FLOAT * T,
    optimizerState: FLOAT * opt.slots,
    optimizerUpdate: FLOAT * opt.update,
    bestWeights: input.keepsBestWeights ? FLOAT * P : 0,
    activations: FLOAT * Math.max(trainActivations, evalActivations),
  };
  const samples = input.samples ?? FULL_DATA;
  const n = samples.train + samples.test;
  const host = {
    data: n * (PIXELS + 1) + 2 * 4 * n,
    buffers: FLOAT * (batch + EVAL_BATCH) * inputSize + FLOAT * samples.test * CLASSES,
    modelSave: 2 * FLOAT * P,
  };
  const tensorBytes = Object.values(tensors).reduce((a, b) => a + b, 0);
  const hostBytes = Object.values(host).reduce((a, b) => a + b, 0);
  const parameterBytes = tensorBytes - tensors.activations;
  return {
    params: P, trainableParams: T, largestWeight: largest, batchSize: batch, tensors, host,
    tensorBytes, hostBytes, totalBytes: tensorBytes + hostBytes,
    dominant: parameterBytes >= tensors.activations ? 'parameters' : 'activations',
  };
}

/** "15.6 GiB", "312 MiB", "1023 GiB": 1024-based, three significant digits or whole units. */
export function bytesText(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  // toPrecision would write 1023.9 as "1.02e+3"
  return `${u === 0 || v >= 100 ? v.toFixed(0) : v.toPrecision(3)} ${units[u]}`;
}
