// Shape and parameter inference against Keras's numbers (the seed report's summaries) and Keras's output-size formulas.
import { describe, expect, it } from 'vitest';
import { inferShapes, validateModelSpec, SpecError, type ShapeReport } from '../../../shared/model/inferShapes.js';
import type { ModelSpecInput } from '../../../shared/spec.js';
import { analyse } from '../../../shared/model/analyse.js';

type Layers = ModelSpecInput['layers'];
const OUT = { type: 'Dense', units: 10, activation: 'softmax' } as const;
const image = (layers: Layers): ModelSpecInput => ({ name: 'test', inputShape: [28, 28, 1], layers });
const flat = (layers: Layers): ModelSpecInput => ({ name: 'test', inputShape: [784], layers });

const SEED_ANN: ModelSpecInput = flat([
  { type: 'Dense', units: 256, activation: 'relu' },
  { type: 'Dense', units: 128, activation: 'relu' },
  OUT,
]);
const SEED_CNN: ModelSpecInput = image([
  { type: 'Conv2D', filters: 32, kernelSize: [3, 3], activation: 'relu' },
  { type: 'MaxPooling2D', poolSize: [2, 2] },
  { type: 'Conv2D', filters: 64, kernelSize: [3, 3], activation: 'relu' },
  { type: 'MaxPooling2D', poolSize: [2, 2] },
  { type: 'Flatten' },
  { type: 'Dense', units: 128, activation: 'relu' },
  OUT,
]);

const rows = (r: ShapeReport) => r.layers.map((l) => [l.name, l.type, l.outputShape, l.params]);
/** The single issue of a report, failing loudly when there are others. */
function only(r: ShapeReport) {
  expect(r.ok).toBe(false);
  expect(r.issues, JSON.stringify(r.issues)).toHaveLength(1);
  return r.issues[0];
}

describe('seed models: the Keras summaries of the seed report (sections 3.1, 3.2)', () => {
  it('seed ANN: 200,960 / 32,896 / 1,290 = 235,146', () => {
    const r = inferShapes(SEED_ANN);
    expect(r.ok).toBe(true);
    expect(rows(r)).toEqual([
      ['dense', 'Dense', [null, 256], 200_960],
      ['dense_1', 'Dense', [null, 128], 32_896],
      ['dense_2', 'Dense', [null, 10], 1_290],
    ]);
    expect([r.totalParams, r.trainableParams, r.nonTrainableParams]).toEqual([235_146, 235_146, 0]);
    expect(r.outputShape).toEqual([null, 10]);
    expect(r.layers.map((l) => l.activation)).toEqual(['relu', 'relu', 'softmax']);
  });

  it('seed CNN: Table 2, 225,034 in total', () => {
    const r = inferShapes(SEED_CNN);
    expect(r.ok).toBe(true);
    // Keras named the dense layers dense_3/dense_4 only because the ANN was built first in the same session.
    expect(rows(r)).toEqual([
      ['conv2d', 'Conv2D', [null, 26, 26, 32], 320],
      ['max_pooling2d', 'MaxPooling2D', [null, 13, 13, 32], 0],
      ['conv2d_1', 'Conv2D', [null, 11, 11, 64], 18_496],
      ['max_pooling2d_1', 'MaxPooling2D', [null, 5, 5, 64], 0],
      ['flatten', 'Flatten', [null, 1600], 0],
      ['dense', 'Dense', [null, 128], 204_928],
      ['dense_1', 'Dense', [null, 10], 1_290],
    ]);
    expect([r.totalParams, r.trainableParams, r.nonTrainableParams]).toEqual([225_034, 225_034, 0]);
    expect(r.layers.map((l) => l.activation)).toEqual(['relu', null, 'relu', null, null, 'relu', 'softmax']);
  });
});

describe('Keras formulas: strides, padding, batch norm, pooling', () => {
  const shapeOf = (layers: Layers, i = 0) => inferShapes(image([...layers, { type: 'Flatten' }, OUT])).layers[i].outputShape;

  it('conv output: valid floor((n-k)/s)+1, same ceil(n/s)', () => {
    // valid, k5 s2: floor(23/2)+1 = 12
    expect(shapeOf([{ type: 'Conv2D', filters: 8, kernelSize: 5, strides: 2 }])).toEqual([null, 12, 12, 8]);
    // same, s2: ceil(28/2) = 14; same, s3: ceil(28/3) = 10
    expect(shapeOf([{ type: 'Conv2D', filters: 8, kernelSize: 5, strides: 2, padding: 'same' }])).toEqual([null, 14, 14, 8]);
    expect(shapeOf([{ type: 'Conv2D', filters: 8, kernelSize: 3, strides: 3, padding: 'same' }])).toEqual([null, 10, 10, 8]);
    // non-square: rows k3 s1 -> 26, cols k5 s2 -> floor(23/2)+1 = 12
    expect(shapeOf([{ type: 'Conv2D', filters: 4, kernelSize: [3, 5], strides: [1, 2] }])).toEqual([null, 26, 12, 4]);
  });

  it('conv params: kh·kw·cin·filters (+ filters with bias)', () => {
    const r = inferShapes(image([
      { type: 'Conv2D', filters: 8, kernelSize: [3, 5] }, // 3·5·1·8 + 8 = 128
      { type: 'Conv2D', filters: 16, kernelSize: 3, useBias: false }, // 3·3·8·16 = 1152
      { type: 'Flatten' }, OUT,
    ]));
    expect(r.layers.slice(0, 2).map((l) => l.params)).toEqual([128, 1152]);
    // Dense without bias: in·units
    expect(inferShapes(flat([{ type: 'Dense', units: 10, activation: 'softmax', useBias: false }])).totalParams).toBe(7840);
  });

  it('pooling: strides default to the pool size; valid and same', () => {
    // pool 3, strides 3 (default), valid: floor(25/3)+1 = 9; same: ceil(28/3) = 10
    expect(shapeOf([{ type: 'MaxPooling2D', poolSize: 3 }])).toEqual([null, 9, 9, 1]);
    expect(shapeOf([{ type: 'AveragePooling2D', poolSize: 3, padding: 'same' }])).toEqual([null, 10, 10, 1]);
    // pool 3 strides 2 valid: floor(25/2)+1 = 13; same: 14
    expect(shapeOf([{ type: 'MaxPooling2D', poolSize: 3, strides: 2 }])).toEqual([null, 13, 13, 1]);
    expect(shapeOf([{ type: 'MaxPooling2D', poolSize: 3, strides: 2, padding: 'same' }])).toEqual([null, 14, 14, 1]);
    // a pool exactly the size of its input is fine: 28 -> 1
    expect(shapeOf([{ type: 'MaxPooling2D', poolSize: 28 }])).toEqual([null, 1, 1, 1]);
  });

  it('batch norm: 4·C params, 2·C trainable, on feature maps and vectors', () => {
    const r = inferShapes(image([
      { type: 'Conv2D', filters: 32, kernelSize: 3 }, { type: 'BatchNormalization' },
      { type: 'GlobalAveragePooling2D' }, { type: 'Dense', units: 20 }, { type: 'BatchNormalization', momentum: 0.9 },
      { type: 'Dropout', rate: 0.5 }, OUT,
    ]));
    expect(r.ok).toBe(true);
    const bn = r.layers.filter((l) => l.type === 'BatchNormalization');
    expect(bn.map((l) => [l.outputShape, l.params, l.trainableParams])).toEqual([[[null, 26, 26, 32], 128, 64], [[null, 20], 80, 40]]);
    expect(bn.map((l) => l.name)).toEqual(['batch_normalization', 'batch_normalization_1']);
    // conv 320 + bn 128 + dense 32·20+20 = 660 + bn 80 + out 210
    expect(r.totalParams).toBe(320 + 128 + 660 + 80 + 210);
    expect(r.nonTrainableParams).toBe(64 + 40);
    expect(r.layers[2].outputShape).toEqual([null, 32]);
    expect(r.layers[5].outputShape).toEqual([null, 20]);
  });

  it('Flatten on a flat input keeps it (as Keras does)', () => {
    const r = inferShapes(flat([{ type: 'Flatten' }, OUT]));
    expect(r.ok).toBe(true);
    expect(r.layers[0].outputShape).toEqual([null, 784]);
  });
});

describe('invalid specs: every message names the layer (1-based) and the problem', () => {
  it('Dense on a feature map without Flatten', () => {
    const noFlatten = { ...SEED_CNN, layers: SEED_CNN.layers.filter((l) => l.type !== 'Flatten') };
    const issue = only(inferShapes(noFlatten));
    expect(issue.layerIndex).toBe(4);
    expect(issue.message).toBe('layer 5 (Dense) gets a 5×5×64 feature map: add Flatten or GlobalAveragePooling2D before it');
  });

  it('Conv2D and pooling on a flat input, with the fix that fits', () => {
    const onInput = only(inferShapes(flat([{ type: 'Conv2D', filters: 8, kernelSize: 3 }, { type: 'Flatten' }, OUT])));
    expect(onInput.layerIndex).toBe(0);
    expect(onInput.message).toMatch(/^layer 1 \(Conv2D\) gets a flat vector of 784 values.*inputShape \[28, 28, 1\]/);
    const afterFlatten = only(inferShapes(image([{ type: 'Flatten' }, { type: 'MaxPooling2D' }, OUT])));
    expect(afterFlatten.layerIndex).toBe(1);
    expect(afterFlatten.message).toMatch(/^layer 2 \(MaxPooling2D\) gets a flat vector of 784 values.*before the Flatten at layer 1/);
    const gap = inferShapes(flat([{ type: 'GlobalAveragePooling2D' }, OUT]));
    expect(only(gap).message).toMatch(/^layer 1 \(GlobalAveragePooling2D\) gets a flat vector/);
  });

  it('pool or kernel larger than its input, naming both sizes', () => {
    const pool = only(inferShapes(image([
      { type: 'MaxPooling2D', poolSize: 4 }, { type: 'MaxPooling2D', poolSize: 8 }, { type: 'Flatten' }, OUT,
    ])));
    expect(pool.layerIndex).toBe(1);
    expect(pool.field).toBe('poolSize');
    expect(pool.message).toContain('layer 2 (MaxPooling2D): pool 8×8 is larger than its 7×7×1 input');
    const kernel = only(inferShapes(image([{ type: 'Conv2D', filters: 4, kernelSize: [3, 29] }, { type: 'Flatten' }, OUT])));
    expect(kernel.message).toContain('layer 1 (Conv2D): kernel 3×29 is larger than its 28×28×1 input');
    // 'same' padding never shrinks below 1, so the same pool is fine there
    expect(inferShapes(image([{ type: 'MaxPooling2D', poolSize: 40, padding: 'same' }, { type: 'Flatten' }, OUT])).ok).toBe(true);
  });

  it.each([
    [{ type: 'Dense', units: 0 }, 'units', /units must be a positive integer; got 0/],
    [{ type: 'Dense', units: -5 }, 'units', /got -5/],
    [{ type: 'Dense', units: 2.5 }, 'units', /got 2.5/],
    [{ type: 'Conv2D', filters: 0, kernelSize: 3 }, 'filters', /filters must be a positive integer; got 0/],
    [{ type: 'Conv2D', filters: 4, kernelSize: [3, 0] }, 'kernelSize', /kernelSize must be a positive integer or a pair/],
    [{ type: 'Dense', units: 8, activation: 'relux' }, 'activation', /activation must be one of linear, relu.*got "relux"/],
    [{ type: 'Dense', units: 8, activation: 'ReLU' }, 'activation', /did you mean "relu"/],
    [{ type: 'Dropout', rate: 1 }, 'rate', /rate must be a number from 0 up to \(not including\) 1; got 1/],
    [{ type: 'MaxPooling2D', padding: 'full' }, 'padding', /padding must be 'valid' or 'same'; got "full"/],
    [{ type: 'Dense', units: 8, activaton: 'relu' }, 'activaton', /unknown field "activaton"; Dense takes units, activation, useBias/],
  ])('schema problem %j is reported on its layer and field', (bad, field, pattern) => {
    const spec = { name: 'x', inputShape: [28, 28, 1], layers: [{ type: 'Flatten' }, bad, OUT] };
    const issues = inferShapes(spec).issues.filter((i) => i.layerIndex === 1);
    expect(issues.length, JSON.stringify(inferShapes(spec).issues)).toBeGreaterThan(0);
    const type = (bad as { type: string }).type;
    expect(issues[0].message.startsWith(`layer 2 (${type})`)).toBe(true);
    expect(issues[0].field).toBe(field);
    expect(issues[0].message).toMatch(pattern);
  });

  it('unknown layer type, with a suggestion when only the case differs', () => {
    const r = inferShapes({ name: 'x', inputShape: [28, 28, 1], layers: [{ type: 'Flatten' }, { type: 'dense', units: 10 }, { type: 'Conv3D' }, OUT] });
    expect(r.issues.map((i) => [i.layerIndex, i.field])).toEqual([[1, 'type'], [2, 'type']]);
    expect(r.issues[0].message).toMatch(/^layer 2: type "dense" is not a layer type; use one of Dense, Conv2D.*\(did you mean "Dense"\?\)$/);
    expect(r.issues[1].message).toMatch(/^layer 3: type "Conv3D" is not a layer type/);
    // shapes stop at the first layer that cannot be parsed
    expect(r.layers).toHaveLength(1);
    expect(r.outputShape).toBeNull();
  });

  it('the last layer must be Dense(10, softmax)', () => {
    for (const [last, it] of [
      [{ type: 'Dense', units: 5, activation: 'softmax' }, 'Dense(5, softmax)'],
      [{ type: 'Dense', units: 10 }, 'Dense(10, linear)'],
    ] as const) {
      const issue = only(inferShapes(flat([{ type: 'Dense', units: 32 }, last])));
      expect(issue.layerIndex).toBe(1);
      expect(issue.message).toBe(`layer 2 (Dense): the last layer must be Dense(10, softmax) for 10 classes; it is ${it}`);
    }
    const dropoutLast = inferShapes(flat([OUT, { type: 'Dropout', rate: 0.1 }]));
    expect(only(dropoutLast).message).toContain('layer 2 (Dropout): the last layer must be Dense(10, softmax)');
  });

  it('reports every problem at once, model-level first, then by layer', () => {
    const r = inferShapes({
      name: '', inputShape: [28, 28, 1], layers: [
        { type: 'Conv2D', filters: 8, kernelSize: 3, activation: 'nope' },
        { type: 'Dense', units: 16 },
        { type: 'Dense', units: 0 },
        OUT,
      ],
    });
    expect(r.issues.map((i) => i.layerIndex)).toEqual([null, 0, 1, 2]);
    expect(r.issues[0].field).toBe('name');
    // an invalid activation does not stop inference (it does not change shapes); units 0 does
    expect(r.layers.map((l) => l.outputShape)).toEqual([[null, 26, 26, 8], [null, 16]]);
  });

  it('keeps going after a recoverable shape problem so later ones are found too', () => {
    const r = inferShapes(image([{ type: 'Dense', units: 16 }, { type: 'Dense', units: 10 }]));
    expect(r.issues.map((i) => i.layerIndex)).toEqual([0, 1]);
    expect(r.layers).toHaveLength(2);
  });
});

describe('garbage in: inferShapes never throws, validateModelSpec throws a SpecError', () => {
  const garbage: unknown[] = [
    null, undefined, 0, 'model', [], [1, 2], true, {}, { layers: 'x' }, { name: 1, inputShape: 784, layers: [null, 3, 'Dense'] },
    { name: 'x', inputShape: [28, 28], layers: [] }, { name: 'x', inputShape: [784], layers: Array(65).fill(OUT) },
    JSON.parse('{"name":"x","inputShape":[784],"layers":[{"type":{"nested":true}},{"type":"Dense","units":"10"}]}'),
    { name: 'x'.repeat(500), inputShape: [784], layers: [{ type: 'Dense', units: Number.POSITIVE_INFINITY }] },
  ];

  it.each(garbage.map((g, i) => [i, g]))('garbage #%i', (_i, g) => {
    const r = inferShapes(g);
    expect(r.ok).toBe(false);
    expect(r.issues.length).toBeGreaterThan(0);
    for (const i of r.issues) expect(i.message.length).toBeGreaterThan(10);
    let err: unknown;
    try {
      validateModelSpec(g);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    const se = err as SpecError;
    expect(se.issues).toEqual(r.issues);
    for (const i of r.issues) expect(se.message).toContain(i.message);
  });

  it('survives values JSON cannot show (cyclic arrays, BigInt)', () => {
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    const r = inferShapes({ name: 'x', inputShape: cyclic, layers: [{ type: 'Dense', units: 10n, activation: 'softmax' }] });
    expect(r.issues.map((i) => i.field)).toEqual(['inputShape', 'units']);
  });

  it('names the problems of a non-object and of missing fields', () => {
    expect(() => validateModelSpec('garbage')).toThrow(/a model spec must be a JSON object with name, inputShape and layers; got "garbage"/);
    expect(() => validateModelSpec({})).toThrow(/inputShape must be \[784\].*or \[28, 28, 1\].*got nothing/);
    expect(() => validateModelSpec({ name: 'x', inputShape: [784], layers: [] })).toThrow(/layers must be a list of 1 to 64 layers; got \[\]/);
    expect(() => validateModelSpec({ name: 'x', inputShape: [784], layers: [OUT], extra: 1 })).toThrow(/unknown model field "extra"/);
  });

  it('SpecError carries the first issue\'s layer index and lists each issue with its layer', () => {
    try {
      validateModelSpec(image([{ type: 'Dense', units: 0 }, OUT]));
      expect.unreachable();
    } catch (e) {
      const se = e as SpecError;
      expect(se.layerIndex).toBe(0);
      expect(se.message).toMatch(/^model spec "test" is invalid \(\d+ problems?\):\n {2}- layer 1 \(Dense\): units must be a positive integer; got 0/);
    }
  });

  it('a valid spec comes back with the Keras defaults applied', () => {
    const spec = validateModelSpec(image([{ type: 'Conv2D', filters: 4, kernelSize: 3 }, { type: 'MaxPooling2D' }, { type: 'BatchNormalization' }, { type: 'Flatten' }, OUT]));
    expect(spec.layers[0]).toEqual({ type: 'Conv2D', filters: 4, kernelSize: 3, strides: 1, padding: 'valid', activation: 'linear', useBias: true });
    expect(spec.layers[1]).toEqual({ type: 'MaxPooling2D', poolSize: 2, padding: 'valid' });
    expect(spec.layers[2]).toEqual({ type: 'BatchNormalization', momentum: 0.99, epsilon: 0.001 });
  });
});

describe('advice for a spatial layer that gets a vector', () => {
  it('on an image input points at the Dense that made the vector, not at the input shape', () => {
    const report = analyse(image([
      { type: 'Conv2D', filters: 8, kernelSize: [3, 3], activation: 'relu' },
      { type: 'Dense', units: 16, activation: 'relu' },
      { type: 'MaxPooling2D', poolSize: [2, 2] },
      { type: 'Flatten' },
      OUT,
    ]));
    const text = JSON.stringify(report);
    expect(text).toMatch(/move it before the Dense at layer 2/);
    expect(text).not.toMatch(/use inputShape \[28, 28, 1\]/);
  });

  it('on a flat input still advises an image input shape', () => {
    const text = JSON.stringify(analyse(flat([{ type: 'MaxPooling2D', poolSize: [2, 2] }, { type: 'Flatten' }, OUT])));
    expect(text).toMatch(/use inputShape \[28, 28, 1\]/);
  });
});
