// Audits the wasm backend's own kernels that training uses (those we do not replace) against the 'cpu' backend.
import { beforeAll, describe, it } from 'vitest';
import { selectBackend } from '../../../../electron/engine/backend/select.js';
import { convCases, convTitle } from './conv-grid.js';
import { poolCases, pooledSize } from './pool-grid.js';
import { expectClose, randomValues, runOn } from './reference.js';

beforeAll(async () => {
  await selectBackend('wasm', { native: false });
});

async function both(kernel: string, inputs: Parameters<typeof runOn>[2], attrs: object) {
  expectClose(await runOn('wasm', kernel, inputs, attrs), await runOn('cpu', kernel, inputs, attrs), 1e-4, kernel);
}

describe('wasm convolution kernels equal cpu', () => {
  it.each(convCases())(`Conv2D ${convTitle}`, async ({ stride, pad, k, ci, co, batch, h, w }) => {
    const inputs = {
      x: { shape: [batch, h, w, ci], values: randomValues(batch * h * w * ci, k + ci) },
      filter: { shape: [k, k, ci, co], values: randomValues(k * k * ci * co, co) },
    };
    await both('Conv2D', inputs, { strides: [stride, stride], pad, dataFormat: 'NHWC', dilations: [1, 1] });
  });

  it.each(convCases())(`Conv2DBackpropInput ${convTitle}`, async ({ stride, pad, k, ci, co, batch, h, w, outH, outW }) => {
    const inputs = {
      dy: { shape: [batch, outH, outW, co], values: randomValues(batch * outH * outW * co, k + co) },
      filter: { shape: [k, k, ci, co], values: randomValues(k * k * ci * co, ci) },
    };
    await both('Conv2DBackpropInput', inputs, { strides: [stride, stride], pad, dataFormat: 'NHWC', inputShape: [batch, h, w, ci] });
  });
});

describe('wasm pooling kernels equal cpu', () => {
  it.each(poolCases())('AvgPoolGrad $h×$w×$c batch $batch, pool $size stride $stride $pad', async ({ h, w, c, batch, size, stride, pad }) => {
    const outShape = [batch, pooledSize(h, size, stride, pad), pooledSize(w, size, stride, pad), c];
    const inputs = {
      dy: { shape: outShape, values: randomValues(outShape.reduce((a, b) => a * b, 1), h + size) },
      input: { shape: [batch, h, w, c], values: randomValues(batch * h * w * c, w + stride) },
    };
    await both('AvgPoolGrad', inputs, { filterSize: size, strides: stride, pad });
  });

  it.each(poolCases())('MaxPool and AvgPool $h×$w×$c batch $batch, pool $size stride $stride $pad', async ({ h, w, c, batch, size, stride, pad }) => {
    const inputs = { x: { shape: [batch, h, w, c], values: randomValues(batch * h * w * c, h * c) } };
    await both('MaxPool', inputs, { filterSize: size, strides: stride, pad });
    await both('AvgPool', inputs, { filterSize: size, strides: stride, pad });
  });
});

describe('wasm matrix products equal cpu', () => {
  const cases: Array<[m: number, k: number, n: number, ta: boolean, tb: boolean]> = [];
  for (const [m, k, n] of [[1, 7, 3], [128, 784, 16], [33, 65, 10]]) for (const ta of [false, true]) for (const tb of [false, true]) cases.push([m, k, n, ta, tb]);
  it.each(cases)('BatchMatMul %i×%i·%i transposeA %s transposeB %s', async (m, k, n, ta, tb) => {
    const inputs = {
      a: { shape: ta ? [1, k, m] : [1, m, k], values: randomValues(m * k, m) },
      b: { shape: tb ? [1, n, k] : [1, k, n], values: randomValues(k * n, n) },
    };
    await both('BatchMatMul', inputs, { transposeA: ta, transposeB: tb });
  });
});
