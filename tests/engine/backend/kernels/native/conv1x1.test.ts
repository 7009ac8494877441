// The pointwise convolution path (native/src/conv.c's use_pw → gemm.c's tn_sgemm_rows_pw → gemm_kernel.c's FND: A or B
// read unpacked, the forward's bias and activation in the GEMM's store; off: WORKBENCH_CONV1X1=0). Every GEMM variant,
// each in its own process (the variant is chosen once per process), must give the bits of the path it bypasses for
// the forward (every epilogue), the input gradient and the filter gradient, on 1 and 2 threads, with NaN/±Inf/-0 in the
// inputs, on residual-sep's exact shapes and odd ones (tests/engine/backend/fixtures/native-conv1x1-bits.ts); and
// through tfjs it must run (counted) and match the cpu backend to float rounding.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClose, randomValues } from '../reference.js';
import { addon, nativeMissing, outputsOn, useNative } from './setup.js';

beforeAll(useNative);
afterAll(() => addon?.setThreads(2));

const fixture = new URL('../../fixtures/native-conv1x1-bits.ts', import.meta.url).pathname;
const flags = existsSync('/proc/cpuinfo') ? new Set((readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '').trim().split(/\s+/)) : null;
const x86 = process.arch === 'x64' || process.arch === 'ia32';
const has = (f: string) => x86 && flags?.has(f) === true;

interface Result { isa: string; mismatches: string[]; threadMismatches: string[]; counted: { on: number; off: number; runs: number } }
function runFixture(variant: string, ...args: string[]): Result {
  const env: NodeJS.ProcessEnv = { ...process.env, WORKBENCH_NATIVE_GEMM: variant };
  if (args.includes('--wide-only')) env.WORKBENCH_GEMM_NARROW = '0';
  delete env.WORKBENCH_CONV1X1;
  const r = spawnSync(process.execPath, ['--import', 'tsx', fixture, ...args], { encoding: 'utf8', timeout: 240_000, env });
  expect(r.status, r.stderr).toBe(0);
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  expect(line, r.stdout).toBeDefined();
  return JSON.parse(line!) as Result;
}
function expectSameBits(r: Result, threadsToo = true) {
  expect(r.mismatches, `${r.isa}: on/off bit differences`).toEqual([]);
  if (threadsToo) expect(r.threadMismatches, `${r.isa}: 1 vs 2 thread bit differences`).toEqual([]);
  expect(r.counted.runs).toBeGreaterThan(100);
  expect(r.counted.on, `${r.isa}: pointwise path calls when on`).toBe(r.counted.runs);
  expect(r.counted.off, `${r.isa}: pointwise path calls when off`).toBe(0);
}

describe.skipIf(nativeMissing != null)(`pointwise convolution path${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it('the best variant: the bits of tn_sgemm_rows + post-op, residual-sep shapes (112->48, 16->16 28x28, 16->32) and odd ones', () => {
    expectSameBits(runFixture('', '--full'));
  }, 250_000);

  it.skipIf(!has('avx2') || !has('fma'))('avx2+fma: the same bits on and off', () => {
    const r = runFixture('avx2');
    expect(r.isa).toBe('avx2+fma');
    expectSameBits(r);
  }, 250_000);

  it('the best variant with the narrow column kernel off (WORKBENCH_GEMM_NARROW=0): the same bits on and off', () => {
    expectSameBits(runFixture('', '--wide-only'));
  }, 250_000);

  it('generic: the same bits on and off', () => {
    const r = runFixture('generic');
    expect(r.isa).toBe('generic');
    expectSameBits(r);
  }, 250_000);

  it('openblas on request (its own call plus the post-op): the same bits on and off', () => {
    // OpenBLAS's own blocking follows the row split, so only on/off is compared, not 1 vs 2 threads.
    expectSameBits(runFixture('openblas'), false);
  }, 250_000);

  it.each([
    { n: 4, h: 14, w: 14, c: 112, co: 48 },
    { n: 3, h: 7, w: 5, c: 19, co: 37 },
  ])('through tfjs ($n×$h×$w×$c → $co): fused conv + bias + relu and both gradients match cpu, counted', async (k) => {
    const x = () => tf.tensor4d(randomValues(k.n * k.h * k.w * k.c, 51), [k.n, k.h, k.w, k.c]);
    const f = () => tf.tensor4d(randomValues(k.c * k.co, 52), [1, 1, k.c, k.co]);
    const dy = () => tf.tensor4d(randomValues(k.n * k.h * k.w * k.co, 54), [k.n, k.h, k.w, k.co]);
    const fused = () => tf.fused.conv2d({ x: x(), filter: f(), strides: 1, pad: 'same', bias: tf.tensor1d(randomValues(k.co, 53)), activation: 'relu' });
    const dx = () => tf.conv2dTranspose(dy(), f(), [k.n, k.h, k.w, k.c], 1, 'same');
    const dw = () => tf.grad((w: tf.Tensor) => tf.conv2d(x(), w as tf.Tensor4D, 1, 'same').mul(dy()).sum())(f());
    for (const [fn, counter] of [[fused, 'conv2d1x1'], [dx, 'conv2dInputGrad1x1'], [dw, 'conv2dFilterGrad1x1']] as const) {
      const before = addon!.counts()[counter];
      const [got] = await outputsOn('wasm', fn);
      expect(addon!.counts()[counter] - before, `${counter} calls`).toBeGreaterThan(0);
      const [want] = await outputsOn('cpu', fn);
      expectClose(got, want, 1e-4);
    }
  });
});
