// Audits the wasm backend's own kernels that training uses (those we do not replace) against the 'cpu' backend.
// (BatchMatMul, Conv2DBackpropInput, MaxPoolGrad, Sum, Identity and Cast are ours on wasm, tested in their own files.)
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

describe('wasm Conv2D equals cpu', () => {
  it.each(convCases())(`Conv2D ${convTitle}`, async ({ stride, pad, k, ci, co, batch, h, w }) => {
    const inputs = {
      x: { shape: [batch, h, w, ci], values: randomValues(batch * h * w * ci, k + ci) },
      filter: { shape: [k, k, ci, co], values: randomValues(k * k * ci * co, co) },
    };
    await both('Conv2D', inputs, { strides: [stride, stride], pad, dataFormat: 'NHWC', dilations: [1, 1] });
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
