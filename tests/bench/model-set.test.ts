// The bench set covers every layer kind and option the spec's schema enumerates: derived from the schema, so a new option fails here.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BENCH_SET, benchEntry } from '../../bench/model-set.js';
import { analyse } from '../../shared/model/analyse.js';
import { pair } from '../../shared/model/geometry.js';
import { ActivationSchema, LayerSpecSchema, type LayerSpec } from '../../shared/spec.js';

const layers: LayerSpec[] = BENCH_SET.flatMap((e) => e.spec.layers);
/** Each layer with the per-sample shape it receives, from the same analysis the engine uses. */
const steps = BENCH_SET.flatMap((e) => analyse(e.spec).steps);

const unwrap = (t: z.ZodType): z.ZodType => {
  let inner: z.ZodType = t;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) inner = inner.unwrap() as z.ZodType;
  return inner;
};
/** The values a field takes on layers of `type`; an optional field left out (the engine's default) is not a value. */
const valuesOf = (type: string, field: string) => new Set(layers.filter((l) => l.type === type)
  .map((l) => (l as Record<string, unknown>)[field]).filter((v) => v !== undefined));

describe('bench model set', () => {
  it('is valid, with unique names, every model building to shapes the engine accepts', () => {
    expect(new Set(BENCH_SET.map((e) => e.name)).size).toBe(BENCH_SET.length);
    for (const e of BENCH_SET) expect(analyse(e.spec).report.issues, e.name).toEqual([]);
    expect(() => benchEntry('no-such-model')).toThrow(/ann, cnn/);
  });

  it('includes the models issue 10 names', () => {
    for (const name of ['ann', 'cnn', 'strong', 'cnn-bn', 'strided-elu']) expect(benchEntry(name).spec.layers.length).toBeGreaterThan(0);
    const cnnBn = benchEntry('cnn-bn').spec.layers;
    cnnBn.forEach((l, i) => { if (l.type === 'Conv2D') expect(cnnBn[i + 1]?.type).toBe('BatchNormalization'); });
    const strided = benchEntry('strided-elu').spec.layers;
    expect(strided.some((l) => l.type === 'AveragePooling2D')).toBe(true);
    expect(strided.some((l) => l.type === 'Conv2D' && pair(l.strides)[0] === 2 && ['elu', 'sigmoid'].includes(l.activation))).toBe(true);
  });

  for (const option of LayerSpecSchema.options) {
    const type = option.shape.type.value;
    describe(type, () => {
      it('appears in the set', () => expect(layers.some((l) => l.type === type)).toBe(true));
      for (const [field, schema] of Object.entries(option.shape)) {
        const inner = unwrap(schema as z.ZodType);
        // Activations share one enum across kinds: covered over the whole set below.
        if (field === 'activation') continue;
        if (inner instanceof z.ZodEnum) {
          it(`uses every ${field} (${inner.options.join(', ')})`, () => {
            expect([...valuesOf(type, field)].sort()).toEqual([...inner.options].sort());
          });
        }
        if (inner instanceof z.ZodBoolean) {
          it(`uses ${field} true and false`, () => expect([...valuesOf(type, field)].sort()).toEqual([false, true]));
        }
      }
    });
  }

  it('uses every activation in the spec', () => {
    const used = new Set(layers.flatMap((l) => ('activation' in l ? [l.activation] : [])));
    expect(ActivationSchema.options.filter((a) => !used.has(a))).toEqual([]);
  });

  it('uses conv kernels 1, 3 and 5 and conv strides 1 and 2', () => {
    const convs = layers.filter((l) => l.type === 'Conv2D');
    expect(new Set(convs.map((l) => pair(l.kernelSize)[0]))).toEqual(new Set([1, 3, 5]));
    expect(new Set(convs.map((l) => pair(l.strides)[0]))).toEqual(new Set([1, 2]));
  });

  it('has a dilation rate above 1 on every convolution kind, with same padding', () => {
    for (const type of ['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D'] as const) {
      expect(layers.some((l) => l.type === type && l.dilationRate != null && pair(l.dilationRate)[0] > 1 && l.padding === 'same'), type).toBe(true);
    }
  });

  it('has graph models on image and vector input, PReLU with and without shared axes on both ranks', () => {
    const graphInputs = new Set(BENCH_SET.filter((e) => e.spec.layers.some((l) => l.inputs)).map((e) => e.spec.inputShape.length));
    expect([...graphInputs].sort()).toEqual([1, 3]);
    const prelu = steps.filter((s) => s.layer.type === 'PReLU');
    expect(new Set(prelu.map((s) => s.input.length))).toEqual(new Set([1, 3]));
    expect(new Set(prelu.map((s) => s.layer.type === 'PReLU' && s.layer.sharedAxes != null))).toEqual(new Set([true, false]));
    for (const type of ['LayerNormalization', 'LeakyReLU', 'GaussianNoise'] as const) {
      expect(new Set(steps.filter((s) => s.layer.type === type).map((s) => s.input.length)), type).toEqual(new Set([1, 3]));
    }
  });

  it('has pooling with explicit strides other than its pool size', () => {
    expect(layers.some((l) => (l.type === 'MaxPooling2D' || l.type === 'AveragePooling2D') && l.strides != null
      && pair(l.strides)[0] !== pair(l.poolSize)[0])).toBe(true);
  });

  it('has BatchNormalization after a conv (image input) and after a Dense (vector input), and Dropout after both', () => {
    for (const type of ['BatchNormalization', 'Dropout'] as const) {
      const ranks = new Set(steps.filter((s) => s.layer.type === type).map((s) => s.input.length));
      expect([...ranks].sort(), type).toEqual([1, 3]);
    }
  });
});
