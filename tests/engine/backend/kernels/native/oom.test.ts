// Tests that a native kernel whose scratch allocation fails throws a BackendError naming it (no crash, no NULL write),
// and that the next call, with memory back, works.
import { beforeAll, describe, expect, it } from 'vitest';
import { BackendError } from '../../../../../electron/engine/backend/errors.js';
import { expectClose, randomValues, runOn } from '../reference.js';
import { addon, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);

/** Each binding's arguments for a small job that needs scratch (partials, im2col, GEMM packing, pooling state). */
function jobs(heap: ArrayBuffer): Array<[name: 'sumRows' | 'conv2dFilterGrad' | 'conv2d' | 'matmul' | 'maxPoolGrad' | 'batchNorm' | 'batchNormTrain' | 'batchNormGrad' | 'depthwiseFilterGrad', args: Float64Array]> {
  new Float32Array(heap).set(randomValues(heap.byteLength / 4, 5));
  const conv = [4, 9, 9, 8, 3, 3, 16, 7, 7, 1, 1, 0, 0];
  const MB = 1 << 20;
  return [
    ['sumRows', Float64Array.of(0, MB, 512, 256)],
    ['conv2dFilterGrad', Float64Array.of(0, MB, 2 * MB, ...conv)],
    ['conv2d', Float64Array.of(0, MB, -1, 2 * MB, 0, ...conv)],
    ['matmul', Float64Array.of(0, MB, 2 * MB, -1, 0, 1, 1, 1, 200, 100, 150, 0, 0)],
    // Overlapping 3×3/1 windows: the non-overlapping path keeps its window state in registers and allocates nothing.
    ['maxPoolGrad', Float64Array.of(0, MB, 2 * MB, 4, 8, 8, 16, 3, 3, 6, 6, 1, 1, 0, 0)],
    // 512 rows of 256 channels; per-channel vectors 1 KiB apart.
    ['batchNorm', Float64Array.of(0, MB, MB + 1024, -1, -1, 2 * MB, 512, 256, 1e-3)],
    ['batchNormTrain', Float64Array.of(0, MB, MB + 1024, MB + 2048, MB + 3072, 2 * MB, 3 * MB, 3 * MB + 1024, 3 * MB + 2048, 3 * MB + 3072, 512, 256, 1e-3, 0.99)],
    ['batchNormGrad', Float64Array.of(0, MB, 2 * MB, 2 * MB + 1024, 2 * MB + 2048, 3 * MB, 2 * MB + 3072, 2 * MB + 4096, 512, 256, 1e-3)],
    // The depthwise filter gradient's per-part partial sums.
    ['depthwiseFilterGrad', Float64Array.of(0, MB, 2 * MB, 4, 9, 9, 8, 3, 3, 1, 7, 7, 1, 1, 0, 0, 1, 1)],
  ];
}

describe.skipIf(nativeMissing != null)(`native kernels out of memory${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(jobs(new ArrayBuffer(4 << 20)).map(([name]) => name))('%s: a failed allocation is a BackendError, and the next call runs', (name) => {
    const heap = new ArrayBuffer(4 << 20);
    const args = jobs(heap).find(([n]) => n === name)![1];
    const before = addon!.counts()[name];
    // The overlapping max-pool gradient's register path needs no scratch: the per-image scratch path is the one tested.
    if (name === 'maxPoolGrad') process.env.WORKBENCH_POOL_GRAD_REGS = '0';
    addon!._failNextAllocations(1);
    let err: unknown;
    try {
      addon![name](heap, args);
    } catch (e) {
      err = e;
    } finally {
      addon!._failNextAllocations(0);
      delete process.env.WORKBENCH_POOL_GRAD_REGS;
    }
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toContain(`native kernel ${name}: out of memory`);
    expect(addon!.counts()[name]).toBe(before);
    addon![name](heap, args);
    expect(addon!.counts()[name]).toBe(before + 1);
  });

  it('through tfjs: the error reaches the caller, and the kernel then equals cpu again', async () => {
    const inputs = { x: { shape: [64, 32, 32], values: randomValues(64 * 32 * 32, 9) } };
    addon!._failNextAllocations(1);
    try {
      await expect(runOn('wasm', 'Sum', inputs, { axis: [0, 1], keepDims: false })).rejects.toThrow(/native kernel sumRows: out of memory/);
    } finally {
      addon!._failNextAllocations(0);
    }
    expectClose(await runOn('wasm', 'Sum', inputs, { axis: [0, 1], keepDims: false }), await runOn('cpu', 'Sum', inputs, { axis: [0, 1], keepDims: false }), 1e-4, 'Sum');
  });
});
