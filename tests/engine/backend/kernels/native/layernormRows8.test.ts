// Tests the native LayerNormalization's 8-rows-per-register statistics (native/src/layernorm_rows8.h): forward and
// gradient give the scalar path's bits (WORKBENCH_LN_ROWS8=0) on odd row and channel counts, with and without
// gamma/beta, NaN (with payloads) / ±Inf / −0 / huge / constant rows, on 1 and 2 threads, and the path really ran.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAYER_NORM, LAYER_NORM_GRAD } from '../../../../../electron/engine/backend/kernels/native/LayerNorm.js';
import { randomValues } from '../reference.js';
import { addon, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);
afterAll(useNative);

/** Values with the awkward ones planted in some rows (bit patterns, so NaN payloads survive). */
function input(m: number, c: number, seed: number, special: boolean): Float32Array {
  const v = randomValues(m * c, seed).map((x, i) => x * 3 + ((i / c) % 5) - 2);
  if (!special) return v;
  const u = new Uint32Array(v.buffer);
  const at = (r: number, k: number) => (r % m) * c + (k % c);
  u[at(1, 3)] = 0x7fc00000; // NaN
  u[at(2, 0)] = 0x7f800000; // +Inf
  u[at(3, c - 1)] = 0xff800000; // -Inf
  u[at(4, 1)] = 0xffc00000; // negative NaN
  u[at(5, 2)] = 0x7fc01234; // NaN with a payload
  u[at(5, 4)] = 0xffc04321; // and another
  for (let k = 0; k < c; k++) u[at(6, k)] = 0x80000000; // a row of −0
  for (let k = 0; k < c; k++) v[at(7, k)] = 1.5; // constant: variance 0
  for (let k = 0; k < c; k += 2) v[at(9, k)] = 3e38; // huge
  u[at(10, 0)] = 0x7f800000; // Inf − Inf
  u[at(10, 1)] = 0xff800000;
  u[at(11, c - 1)] = 0x80000000;
  return v;
}

type Opts = { gamma: boolean; beta: boolean; special: boolean; grads: 'all' | 'gamma' | 'none'; split?: boolean };

/** Forward (y, mean, rstd) and gradient (dx, dgamma?, dbeta?) outputs as bits; mean/rstd fed to the gradient are given
 *  (the same for both paths) so each kernel is compared on its own. */
function run(m: number, c: number, o: Opts, stats?: { mean: Float32Array; rstd: Float32Array }) {
  return tf.tidy(() => {
    const x = tf.tensor(input(m, c, 31 + m + c, o.special), [m, c]);
    const dy = tf.tensor(input(m, c, 77 + m, o.special).map((v) => v / 3), [m, c]);
    const g = randomValues(c, 5).map((v) => 1 + v);
    if (o.special && c > 2) new Uint32Array(g.buffer)[2] = 0x80000000; // gamma −0: h·gamma + 0 must give +0
    const gamma = o.gamma ? tf.tensor(g, [c]) : undefined;
    const beta = o.beta ? tf.tensor(randomValues(c, 6), [c]) : undefined;
    const fwd = tf.engine().runKernel(LAYER_NORM, { x, ...(gamma ? { gamma } : {}), ...(beta ? { beta } : {}) }, { epsilon: 1e-3 }) as tf.Tensor[];
    const mean = stats ? tf.tensor(stats.mean, [m]) : fwd[1], rstd = stats ? tf.tensor(stats.rstd, [m]) : fwd[2];
    const hasGamma = o.grads !== 'none', hasBeta = o.grads === 'all';
    const grad = tf.engine().runKernel(LAYER_NORM_GRAD, { x, dy, mean, rstd, ...(gamma ? { gamma } : {}) }, { hasGamma, hasBeta }) as tf.Tensor[];
    const f32 = (t: tf.Tensor) => Float32Array.from(t.dataSync());
    return { fwd: fwd.map(f32), grad: grad.map(f32) };
  });
}

function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const old = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (v: Record<string, string | undefined>) => {
    for (const [k, val] of Object.entries(v)) if (val === undefined) delete process.env[k]; else process.env[k] = val;
  };
  set(vars);
  try {
    return fn();
  } finally {
    set(old);
  }
}

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
function expectBits(got: Float32Array[], want: Float32Array[], label: string) {
  expect(got.length, label).toBe(want.length);
  got.forEach((g, i) => {
    const [a, b] = [bits(g), bits(want[i])];
    const at = a.findIndex((v, k) => v !== b[k]);
    expect(at, `${label} output ${i}: first difference at ${at} (0x${a[at]?.toString(16)} vs 0x${b[at]?.toString(16)})`).toBe(-1);
  });
}

// [rows, channels]: row counts not a multiple of 8 or 32, channel counts not a multiple of 8 or 16, one channel, and
// sizes big enough for two threads (≥ 65,536 elements) and for several gradient parts (> 256 rows).
const SHAPES: Array<[number, number]> = [[8, 1], [45, 1], [13, 3], [37, 17], [64, 8], [40, 16], [71, 112], [33, 129], [700, 112], [1029, 67]];
const OPTS: Opts[] = [
  { gamma: true, beta: true, special: false, grads: 'all' },
  { gamma: true, beta: false, special: true, grads: 'gamma' },
  { gamma: false, beta: true, special: true, grads: 'none' },
  { gamma: false, beta: false, special: true, grads: 'all' },
  { gamma: true, beta: true, special: true, grads: 'all', split: true },
];

describe.skipIf(nativeMissing != null)(`LayerNormalization, 8 rows per register${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(SHAPES)('[%i x %i]: the scalar path\'s bits, 1 and 2 threads', async (m, c) => {
    await useNative();
    const avx512 = process.arch === 'x64' && cpuHasAvx512();
    for (const o of OPTS) {
      const label = `[${m}x${c}] ${JSON.stringify(o)}`;
      const env = { WORKBENCH_NATIVE_LN_GRAD: o.split ? 'split' : undefined };
      addon!.setThreads(1);
      const want = withEnv({ ...env, WORKBENCH_LN_ROWS8: '0' }, () => {
        const c0 = addon!.counts();
        const r = run(m, c, o);
        const c1 = addon!.counts();
        expect([c1.layerNormRows8 - c0.layerNormRows8, c1.layerNormGradRows8 - c0.layerNormGradRows8], `${label}: switched off`).toEqual([0, 0]);
        return r;
      });
      const stats = { mean: want.fwd[1], rstd: want.fwd[2] };
      const scalarGrad = withEnv({ ...env, WORKBENCH_LN_ROWS8: '0' }, () => run(m, c, o, stats).grad);
      for (const threads of [1, 2]) {
        addon!.setThreads(threads);
        withEnv({ ...env, WORKBENCH_LN_ROWS8: undefined }, () => {
          const c0 = addon!.counts();
          const got = run(m, c, o, stats);
          const c1 = addon!.counts();
          expectBits(got.fwd, want.fwd, `${label} ${threads} thread(s) forward`);
          expectBits(got.grad, scalarGrad, `${label} ${threads} thread(s) gradient`);
          if (avx512) {
            expect(c1.layerNormRows8 - c0.layerNormRows8, `${label}: forward calls through the path`).toBe(1);
            expect(c1.layerNormGradRows8 - c0.layerNormGradRows8, `${label}: gradient calls through the path`).toBe(1);
          }
        });
      }
      addon!.setThreads(2);
    }
  });

  it('WORKBENCH_LN_ROWS8=forward keeps the gradient on the scalar path (same bits either way)', async () => {
    await useNative();
    const o = OPTS[1];
    const want = withEnv({ WORKBENCH_LN_ROWS8: '0' }, () => run(300, 112, o));
    const got = withEnv({ WORKBENCH_LN_ROWS8: 'forward' }, () => {
      const c0 = addon!.counts();
      const r = run(300, 112, o);
      const c1 = addon!.counts();
      if (process.arch === 'x64' && cpuHasAvx512()) expect(c1.layerNormRows8 - c0.layerNormRows8).toBe(1);
      expect(c1.layerNormGradRows8 - c0.layerNormGradRows8).toBe(0);
      return r;
    });
    expectBits(got.fwd, want.fwd, 'forward');
    expectBits(got.grad, want.grad, 'gradient');
  });

  it('fewer than 8 rows stay on the scalar path', async () => {
    await useNative();
    const c0 = addon!.counts();
    run(7, 112, OPTS[0]);
    const c1 = addon!.counts();
    expect([c1.layerNormRows8 - c0.layerNormRows8, c1.layerNormGradRows8 - c0.layerNormGradRows8]).toEqual([0, 0]);
  });
});

/** The path needs AVX-512F and VL (x86-64 Linux: /proc/cpuinfo says). */
function cpuHasAvx512(): boolean {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    return / avx512f( |$)/m.test(info) && / avx512vl( |$)/m.test(info);
  } catch {
    return false;
  }
}
