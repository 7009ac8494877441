// Multiply-accumulate counts derived by hand from layer geometry.
import { describe, expect, it } from 'vitest';
import { estimateMacs, layerMacs } from '../../../shared/model/flops.js';
import { SpecError } from '../../../shared/model/inferShapes.js';

const OUT = { type: 'Dense', units: 10, activation: 'softmax' } as const;

describe('estimateMacs', () => {
  it('seed ANN: one MAC per weight of each Dense layer', () => {
    const spec = { name: 'ann', inputShape: [784], layers: [{ type: 'Dense', units: 256 }, { type: 'Dense', units: 128 }, OUT] };
    expect(layerMacs(spec)).toEqual([784 * 256, 256 * 128, 128 * 10]);
    expect(estimateMacs(spec)).toBe(784 * 256 + 256 * 128 + 128 * 10);
  });

  it('seed CNN: outH·outW·filters·kh·kw·cin per conv, nothing for pooling and Flatten', () => {
    const spec = {
      name: 'cnn', inputShape: [28, 28, 1], layers: [
        { type: 'Conv2D', filters: 32, kernelSize: 3 }, { type: 'MaxPooling2D' },
        { type: 'Conv2D', filters: 64, kernelSize: 3 }, { type: 'MaxPooling2D' }, { type: 'Flatten' },
        { type: 'Dense', units: 128 }, OUT,
      ],
    };
    const conv1 = 26 * 26 * 32 * (3 * 3 * 1);
    const conv2 = 11 * 11 * 64 * (3 * 3 * 32);
    expect(layerMacs(spec)).toEqual([conv1, 0, conv2, 0, 0, 1600 * 128, 128 * 10]);
    expect(estimateMacs(spec)).toBe(conv1 + conv2 + 1600 * 128 + 1280);
  });

  it('strides and same padding change the output area the kernel visits', () => {
    const spec = {
      name: 's', inputShape: [28, 28, 1], layers: [
        { type: 'Conv2D', filters: 8, kernelSize: 5, strides: 2, padding: 'same' }, // 14·14·8·25
        { type: 'BatchNormalization' }, { type: 'GlobalAveragePooling2D' }, OUT,
      ],
    };
    expect(layerMacs(spec)).toEqual([14 * 14 * 8 * 25, 0, 0, 8 * 10]);
  });

  it('throws a SpecError for an invalid spec rather than a meaningless number', () => {
    expect(() => estimateMacs({ name: 'x', inputShape: [784], layers: [{ type: 'Conv2D', filters: 8, kernelSize: 3 }] })).toThrow(SpecError);
  });
});
