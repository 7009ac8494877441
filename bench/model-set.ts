// Bench: the public model set of issue 10, as engine model specs, that together uses every layer kind and option of the spec.
// tests/bench/model-set.test.ts derives what "every" means from shared/spec.ts, so a new spec option fails it until a model here uses it.
import { getPreset } from '../electron/engine/models/presets.js';
import { validateModelSpec } from '../shared/model/inferShapes.js';
import type { ModelSpec, ModelSpecInput } from '../shared/spec.js';

export interface BenchSetEntry {
  /** What --models takes. */
  name: string;
  /** One line for the bench output: what the model is there to exercise. */
  about: string;
  spec: ModelSpec;
}

type LayerInput = ModelSpecInput['layers'][number];
const seedCnnLayers = (): LayerInput[] => [...getPreset('seed-cnn').model.layers];

/** The seed CNN with a Keras-default BatchNormalization after each convolution (issue 10: 0.4× PyTorch). */
const cnnBn: ModelSpecInput = {
  name: 'Seed CNN + BN',
  inputShape: [28, 28, 1],
  layers: seedCnnLayers().flatMap<LayerInput>((l) => (l.type === 'Conv2D' ? [l, { type: 'BatchNormalization' as const }] : [l])),
};

/** Strided 'same' convolutions (asymmetric padding at stride 2), ELU and sigmoid, average pooling (issue 10: 0.8×). */
const stridedElu: ModelSpecInput = {
  name: 'Strided ELU/sigmoid CNN',
  inputShape: [28, 28, 1],
  layers: [
    { type: 'Conv2D', filters: 32, kernelSize: 3, strides: 2, padding: 'same', activation: 'elu' },
    { type: 'Conv2D', filters: 64, kernelSize: 3, strides: 2, padding: 'same', activation: 'sigmoid' },
    { type: 'AveragePooling2D', poolSize: 2 },
    { type: 'Flatten' },
    { type: 'Dense', units: 128, activation: 'elu' },
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
};

/** 5×5 and 1×1 kernels, a valid stride-2 conv, 'same' pooling with explicit strides, spatial dropout, a bias-free conv, global average pooling. */
const k5Gap: ModelSpecInput = {
  name: '5x5/1x1 CNN with global average pooling',
  inputShape: [28, 28, 1],
  layers: [
    { type: 'Conv2D', filters: 32, kernelSize: 5, padding: 'same', activation: 'relu6' },
    { type: 'MaxPooling2D', poolSize: 3, strides: 2, padding: 'same' },
    { type: 'Dropout', rate: 0.1 },
    { type: 'Conv2D', filters: 48, kernelSize: 1, activation: 'selu', useBias: false },
    { type: 'BatchNormalization' },
    { type: 'Conv2D', filters: 64, kernelSize: 5, strides: 2, padding: 'valid', activation: 'swish' },
    { type: 'AveragePooling2D', poolSize: 3, strides: 1, padding: 'same' },
    { type: 'Conv2D', filters: 96, kernelSize: [3, 3], padding: 'same', activation: 'gelu' },
    { type: 'Conv2D', filters: 96, kernelSize: 1, activation: 'tanh' },
    { type: 'GlobalAveragePooling2D' },
    { type: 'Dropout', rate: 0.2 },
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
};

/** An MLP with BatchNormalization after Dense, a bias-free linear Dense, dropout and the smooth activations. */
const mlpBn: ModelSpecInput = {
  name: 'MLP with BN and dropout',
  inputShape: [784],
  layers: [
    { type: 'Dense', units: 512, activation: 'linear', useBias: false },
    { type: 'BatchNormalization', momentum: 0.9 },
    { type: 'Dense', units: 256, activation: 'tanh' },
    { type: 'Dropout', rate: 0.3 },
    { type: 'Dense', units: 256, activation: 'softplus' },
    { type: 'BatchNormalization' },
    { type: 'Dense', units: 128, activation: 'gelu' },
    { type: 'Dense', units: 64, activation: 'swish' },
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
};

/**
 * A residual/inception-style CNN as a graph: a stem with a zero-padded depthwise + pointwise residual, an inception
 * block of separable, dilated and plain branches concatenated, layer norm and spatial dropout, a strided separable
 * downsampling with a dilated depthwise residual, global max pooling. Every Conv2D names its kernel initializer.
 */
const residualSep: ModelSpecInput = {
  name: 'Residual/inception separable CNN',
  inputShape: [28, 28, 1],
  layers: [
    { type: 'GaussianNoise', stddev: 0.1 },
    { type: 'Conv2D', name: 'stem', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: 'heNormal' },
    { type: 'ZeroPadding2D', padding: 1 },
    { type: 'DepthwiseConv2D', kernelSize: 3, padding: 'valid', useBias: false },
    { type: 'Conv2D', filters: 16, kernelSize: 1, kernelInitializer: 'glorotNormal' },
    { type: 'LeakyReLU', name: 'stem_dw', alpha: 0.1 },
    { type: 'Add', inputs: ['stem', 'stem_dw'] },
    { type: 'MaxPooling2D', name: 'pool1', poolSize: 2 },
    { type: 'SeparableConv2D', name: 'b_sep', inputs: ['pool1'], filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'SeparableConv2D', inputs: ['pool1'], filters: 32, kernelSize: 3, padding: 'same', dilationRate: 2, useBias: false },
    { type: 'PReLU', name: 'b_dil', sharedAxes: [1, 2] },
    { type: 'Conv2D', name: 'b_1x1', inputs: ['pool1'], filters: 32, kernelSize: 1, activation: 'relu', kernelInitializer: 'lecunNormal' },
    { type: 'Conv2D', name: 'b_3x3', inputs: ['pool1'], filters: 16, kernelSize: 3, padding: 'same', dilationRate: 2, activation: 'relu', kernelInitializer: 'glorotUniform' },
    { type: 'Concatenate', inputs: ['b_sep', 'b_dil', 'b_1x1', 'b_3x3'] },
    { type: 'LayerNormalization' },
    { type: 'SpatialDropout2D', rate: 0.1 },
    { type: 'Conv2D', filters: 48, kernelSize: 1, activation: 'relu', kernelInitializer: 'lecunUniform' },
    { type: 'SeparableConv2D', name: 'down', filters: 64, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu' },
    { type: 'DepthwiseConv2D', kernelSize: 3, padding: 'same', dilationRate: 2, activation: 'relu' },
    { type: 'Conv2D', name: 'down_pw', filters: 64, kernelSize: 1, kernelInitializer: 'heUniform' },
    { type: 'Add', inputs: ['down', 'down_pw'] },
    { type: 'GlobalMaxPooling2D' },
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
};

/**
 * An MLP as a graph on the flat input: input noise, a pre-norm residual block (LayerNormalization, per-unit PReLU),
 * two heads (SELU, LeakyReLU) concatenated. Every Dense names its kernel initializer.
 */
const mlpResidual: ModelSpecInput = {
  name: 'Residual MLP with layer norm',
  inputShape: [784],
  layers: [
    { type: 'GaussianNoise', stddev: 0.1 },
    { type: 'Dense', name: 'd1', units: 256, activation: 'relu', kernelInitializer: 'heUniform' },
    { type: 'Dense', units: 256, kernelInitializer: 'heNormal' },
    { type: 'LayerNormalization' },
    { type: 'PReLU', name: 'd2' },
    { type: 'Add', name: 'res', inputs: ['d1', 'd2'] },
    { type: 'Dense', name: 'h_selu', units: 128, activation: 'selu', kernelInitializer: 'lecunNormal' },
    { type: 'Dense', inputs: ['res'], units: 128, kernelInitializer: 'lecunUniform' },
    { type: 'LeakyReLU', name: 'h_leaky', alpha: 0.2 },
    { type: 'Concatenate', inputs: ['h_selu', 'h_leaky'] },
    { type: 'Dense', units: 64, activation: 'relu', kernelInitializer: 'glorotNormal' },
    { type: 'Dense', units: 10, activation: 'softmax', kernelInitializer: 'glorotUniform' },
  ],
};

const entry = (name: string, about: string, spec: ModelSpecInput): BenchSetEntry => ({ name, about, spec: validateModelSpec(spec) });

/** In the order the bench runs them; names are stable (results and docs refer to them). */
export const BENCH_SET: readonly BenchSetEntry[] = [
  entry('ann', 'seed ANN preset (Dense ReLU, softmax)', getPreset('seed-ann').model),
  entry('cnn', 'seed CNN preset (valid 3×3 convs, max pooling)', getPreset('seed-cnn').model),
  // The preset's augmentation is a data-pipeline step, which the bench never runs: this is strong-cnn without augmentation.
  entry('strong', 'strong-cnn preset as shipped, no augmentation (same padding, BN after conv and Dense, dropout)', getPreset('strong-cnn').model),
  entry('cnn-bn', 'seed CNN with BatchNormalization after each conv', cnnBn),
  entry('strided-elu', 'stride-2 same convs, ELU and sigmoid, average pooling', stridedElu),
  entry('k5-gap', '5×5 and 1×1 kernels, valid stride 2, same pooling, relu6/selu/swish/gelu/tanh, global average pooling', k5Gap),
  entry('mlp-bn', 'MLP: BN after Dense, bias-free linear Dense, dropout, tanh/softplus/gelu/swish', mlpBn),
  entry('residual-sep', 'graph CNN: Add/Concatenate, depthwise and separable convs (dilated), zero padding, layer norm, PReLU/LeakyReLU, noise, global max pooling', residualSep),
  entry('mlp-res', 'graph MLP: residual Add and Concatenate, layer norm, PReLU/LeakyReLU, noise, every kernel initializer', mlpResidual),
];

export const BENCH_NAMES: readonly string[] = BENCH_SET.map((e) => e.name);

/** The set entry called `name`; the error lists the known names. */
export function benchEntry(name: string): BenchSetEntry {
  const found = BENCH_SET.find((e) => e.name === name);
  if (!found) throw new Error(`unknown bench model "${name}"; the set has: ${BENCH_NAMES.join(', ')}`);
  return found;
}
