// Keras's shape rules and parameter counts for the layer kinds beyond the seed's eight, each expected number derived in a comment.
import { describe, expect, it } from 'vitest';
import { inferShapes } from '../../../shared/model/inferShapes.js';
import { layerMacs } from '../../../shared/model/flops.js';

const OUT = { type: 'Dense', units: 10, activation: 'softmax' } as const;
const image = (...layers: object[]) => ({ name: 't', inputShape: [28, 28, 1], layers: [...layers, { type: 'Flatten' }, OUT] });
const conv16 = { type: 'Conv2D', filters: 16, kernelSize: 3, padding: 'same' } as const;
/** Output shape and params of layer `i`, failing with the issues when the spec is not valid. */
function layer(spec: object, i: number) {
  const r = inferShapes(spec);
  expect(r.issues).toEqual([]);
  return { shape: r.layers[i].outputShape, params: r.layers[i].params, trainable: r.layers[i].trainableParams, name: r.layers[i].name };
}

describe('param counts match Keras', () => {
  it('DepthwiseConv2D: kh·kw·C·m + C·m bias', () => {
    // 16 channels, 3×3, depth multiplier 2: 3·3·16·2 = 288 kernel + 16·2 = 32 bias = 320; valid: 28 − 3 + 1 = 26.
    expect(layer(image(conv16, { type: 'DepthwiseConv2D', kernelSize: 3, depthMultiplier: 2 }), 1))
      .toMatchObject({ shape: [null, 26, 26, 32], params: 320, name: 'depthwise_conv2d' });
    // Without bias, multiplier 1, 5×3: 5·3·16 = 240.
    expect(layer(image(conv16, { type: 'DepthwiseConv2D', kernelSize: [5, 3], useBias: false, padding: 'same' }), 1))
      .toMatchObject({ shape: [null, 28, 28, 16], params: 240 });
  });

  it('SeparableConv2D: kh·kw·C·m + C·m·filters + filters', () => {
    // 16 channels → 32 filters, 3×3, m = 1: 3·3·16 = 144 depthwise + 16·32 = 512 pointwise + 32 bias = 688.
    expect(layer(image(conv16, { type: 'SeparableConv2D', filters: 32, kernelSize: 3 }), 1))
      .toMatchObject({ shape: [null, 26, 26, 32], params: 688, name: 'separable_conv2d' });
    // m = 2, no bias: 3·3·16·2 = 288 + 16·2·8 = 256 → 544.
    expect(layer(image(conv16, { type: 'SeparableConv2D', filters: 8, kernelSize: 3, depthMultiplier: 2, useBias: false }), 1).params).toBe(544);
  });

  it('dilationRate on Conv2D, DepthwiseConv2D and SeparableConv2D: same params, effective kernel (k − 1)·d + 1', () => {
    // Conv2D 3×3 dilation 2 on 28×28×1: effective 5×5, valid → 24; params 3·3·1·8 + 8 = 80, as without dilation.
    expect(layer(image({ type: 'Conv2D', filters: 8, kernelSize: 3, dilationRate: 2 }), 0)).toMatchObject({ shape: [null, 24, 24, 8], params: 80 });
    // Depthwise 3×3 dilation [2, 3] on 28×28×16: effective 5×7 → 24×22; params 3·3·16 + 16 = 160.
    expect(layer(image(conv16, { type: 'DepthwiseConv2D', kernelSize: 3, dilationRate: [2, 3] }), 1)).toMatchObject({ shape: [null, 24, 22, 16], params: 160 });
    // Separable 3×3 dilation 2, same padding keeps 28×28: 144 + 16·4 + 4 = 212.
    expect(layer(image(conv16, { type: 'SeparableConv2D', filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same' }), 1)).toMatchObject({ shape: [null, 28, 28, 4], params: 212 });
  });

  it('LayerNormalization: gamma and beta over the last axis, 2·C, all trainable', () => {
    // After Conv2D(16): 2·16 = 32. On a 784-vector: 2·784 = 1568.
    expect(layer(image(conv16, { type: 'LayerNormalization' }), 1)).toMatchObject({ shape: [null, 28, 28, 16], params: 32, trainable: 32 });
    expect(layer({ name: 't', inputShape: [784], layers: [{ type: 'LayerNormalization' }, OUT] }, 0).params).toBe(1568);
  });

  it('GlobalMaxPooling2D: H×W×C → C, no params', () => {
    expect(layer({ name: 't', inputShape: [28, 28, 1], layers: [conv16, { type: 'GlobalMaxPooling2D' }, OUT] }, 1))
      .toMatchObject({ shape: [null, 16], params: 0, name: 'global_max_pooling2d' });
  });

  it('ZeroPadding2D: each of Keras\'s three padding forms, no params', () => {
    expect(layer(image({ type: 'ZeroPadding2D' }), 0)).toMatchObject({ shape: [null, 30, 30, 1], params: 0, name: 'zero_padding2d' });
    expect(layer(image({ type: 'ZeroPadding2D', padding: [1, 2] }), 0).shape).toEqual([null, 30, 32, 1]);
    expect(layer(image({ type: 'ZeroPadding2D', padding: [[0, 3], [2, 1]] }), 0).shape).toEqual([null, 31, 31, 1]);
  });

  it('SpatialDropout2D, GaussianNoise, LeakyReLU: shape kept, no params', () => {
    const spec = image(conv16, { type: 'SpatialDropout2D', rate: 0.2 }, { type: 'GaussianNoise', stddev: 0.1 }, { type: 'LeakyReLU' });
    const r = inferShapes(spec);
    expect(r.issues).toEqual([]);
    expect(r.layers.slice(1, 4).map((l) => [l.name, l.outputShape, l.params])).toEqual([
      ['spatial_dropout2d', [null, 28, 28, 16], 0], ['gaussian_noise', [null, 28, 28, 16], 0], ['leaky_re_lu', [null, 28, 28, 16], 0],
    ]);
  });

  it('PReLU: one slope per element, 1 along shared axes', () => {
    // No shared axes on 28×28×16: 28·28·16 = 12,544 slopes; sharedAxes [1, 2]: 16 (one a channel).
    expect(layer(image(conv16, { type: 'PReLU' }), 1)).toMatchObject({ params: 12_544, name: 'p_re_lu' });
    expect(layer(image(conv16, { type: 'PReLU', sharedAxes: [1, 2] }), 1).params).toBe(16);
    expect(layer({ name: 't', inputShape: [784], layers: [{ type: 'Dense', units: 64 }, { type: 'PReLU' }, OUT] }, 1).params).toBe(64);
  });

  it('Add and Concatenate: no params; Add keeps the shape, Concatenate sums the channels', () => {
    const spec = {
      name: 't', inputShape: [28, 28, 1], layers: [
        { ...conv16, name: 'a' }, { ...conv16, name: 'b', inputs: ['input'] }, { type: 'Add', inputs: ['a', 'b'], name: 's' },
        { type: 'Conv2D', filters: 8, kernelSize: 1, name: 'p', inputs: ['a'] }, { type: 'Concatenate', inputs: ['s', 'p', 'input'] },
        { type: 'GlobalAveragePooling2D' }, OUT,
      ],
    };
    const r = inferShapes(spec);
    expect(r.issues).toEqual([]);
    expect(r.layers[2]).toMatchObject({ name: 's', outputShape: [null, 28, 28, 16], params: 0, inputs: ['a', 'b'] });
    // 16 + 8 + 1 = 25 channels.
    expect(r.layers[4]).toMatchObject({ name: 'concatenate', outputShape: [null, 28, 28, 25], params: 0, inputs: ['s', 'p', 'input'] });
    // a 160 + b 160 + p (1·1·16·8 + 8 = 136) + Dense 25·10 + 10 = 260 → 716.
    expect(r.totalParams).toBe(716);
  });

  it('the issue\'s residual example has 3,562 params', () => {
    const spec = {
      name: 'residual', inputShape: [28, 28, 1], layers: [
        { type: 'Conv2D', name: 'c1', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' },
        { type: 'Conv2D', name: 'c2', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' },
        { type: 'Add', inputs: ['c1', 'c2'] },
        { type: 'SeparableConv2D', filters: 32, kernelSize: 3, activation: 'relu' },
        { type: 'LayerNormalization' }, { type: 'GlobalMaxPooling2D' }, OUT,
      ],
    };
    const r = inferShapes(spec);
    expect(r.issues).toEqual([]);
    // c1 3·3·1·16 + 16 = 160; c2 3·3·16·16 + 16 = 2,320; Add 0; separable 144 + 512 + 32 = 688; LN 2·32 = 64; Dense 32·10 + 10 = 330.
    expect(r.layers.map((l) => l.params)).toEqual([160, 2320, 0, 688, 64, 0, 330]);
    expect(r.totalParams).toBe(3562);
  });
});

describe('MACs of the new convolutions', () => {
  it('depthwise: out·kh·kw; separable: positions·C·m·(kh·kw + filters)', () => {
    const spec = image(conv16, { type: 'DepthwiseConv2D', kernelSize: 3 }, { type: 'SeparableConv2D', filters: 8, kernelSize: 3 });
    const macs = layerMacs(spec);
    // depthwise 26·26·16·9 = 97,344; separable on 26×26×16 → 24×24: 576·16·9 + 576·16·8 = 82,944 + 73,728.
    expect(macs[1]).toBe(26 * 26 * 16 * 9);
    expect(macs[2]).toBe(24 * 24 * 16 * 9 + 24 * 24 * 16 * 8);
  });
});

describe('per-layer messages', () => {
  const issues = (spec: object) => inferShapes(spec).issues.map((i) => [i.layerIndex, i.field, i.message]);

  it('dilation with strides, depthwise on a vector, a bad ZeroPadding2D and PReLU axis', () => {
    expect(issues(image({ type: 'Conv2D', filters: 4, kernelSize: 3, strides: 2, dilationRate: 2 }))[0][2])
      .toMatch(/layer 1 \(Conv2D\): dilationRate 2×2 cannot be combined with strides 2×2/);
    expect(issues({ name: 't', inputShape: [784], layers: [{ type: 'DepthwiseConv2D', kernelSize: 3 }, OUT] })[0][2])
      .toMatch(/layer 1 \(DepthwiseConv2D\) gets a flat vector of 784 values but needs an image/);
    expect(issues(image({ type: 'ZeroPadding2D', padding: 'same' }))[0]).toEqual([0, 'padding', expect.stringMatching(/padding must be a whole number 0–64, \[rows, cols\], or \[\[top, bottom\], \[left, right\]\]; got "same"/)]);
    expect(issues({ name: 't', inputShape: [784], layers: [{ type: 'PReLU', sharedAxes: [2] }, OUT] })[0][2])
      .toMatch(/sharedAxes names axis 2 but its input 784 has 1 axis/);
    expect(issues(image({ type: 'GaussianNoise', stddev: -1 }))[0][2]).toMatch(/stddev must be a number from 0 to 10/);
  });

  it('a valid spec with a layer kind is not flagged as an unknown field', () => {
    expect(issues(image({ type: 'LeakyReLU', alpha: 0.1 }))).toEqual([]);
  });
});

describe('memory and cost estimates cover the new kinds', () => {
  const residual = {
    name: 'residual', inputShape: [28, 28, 1], layers: [
      { type: 'Conv2D', name: 'c1', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' },
      { type: 'Conv2D', name: 'c2', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' },
      { type: 'Add', inputs: ['c1', 'c2'] },
      { type: 'SeparableConv2D', filters: 32, kernelSize: 3, activation: 'relu' },
      { type: 'LayerNormalization' }, { type: 'GlobalMaxPooling2D' }, OUT,
    ],
  };

  it('memory: the largest weight is c2\'s 3·3·16·16 kernel; the Add, separable and LN outputs count as activations', async () => {
    const { estimateTrainingMemory } = await import('../../../shared/model/memory.js');
    const m = estimateTrainingMemory({ model: residual, batchSize: 32, optimizer: { type: 'sgd', momentum: 0 } as never });
    expect(m.params).toBe(3562);
    expect(m.largestWeight).toBe(3 * 3 * 16 * 16);
    const withoutAdd = estimateTrainingMemory({ model: { ...residual, layers: residual.layers.filter((l) => l.type !== 'Add').map((l) => ({ ...l, inputs: undefined })) }, batchSize: 32, optimizer: { type: 'sgd', momentum: 0 } as never });
    // At batch 32 the evaluation pass (1,000 images) is the larger peak; the Add's one 28·28·16 output a sample adds
    // 4 bytes · 12,544 · 1,000 to it.
    expect(m.tensors.activations - withoutAdd.tensors.activations).toBe(4 * 28 * 28 * 16 * 1000);
  });

  it('cost: separable convolutions are priced by their MACs like Conv2D', async () => {
    const { estimateEpochCost } = await import('../../../shared/model/cost.js');
    const c = estimateEpochCost({ spec: residual, backend: 'wasm', trainSamples: 1000, validationSamples: 100, batchSize: 64 });
    const macs = layerMacs(residual);
    expect(c.flopsPerSample).toBe(6 * (macs[0] + macs[1] + macs[3] + macs[6]));
    expect(c.secondsPerEpoch).toBeGreaterThan(0);
  });
});
