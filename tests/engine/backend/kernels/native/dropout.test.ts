// Tests the native dropout kernel: tf.dropout's exact numbers (same seed, same mask) and gradient, on the native path.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../../../../electron/engine/models/build.js';
import { validateModelSpec } from '../../../../../shared/model/inferShapes.js';
import { aleaState, nativeDropoutOrNull } from '../../../../../electron/engine/backend/kernels/native/Dropout.js';
import { randomValues } from '../reference.js';
import { addon, expectNative, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);

const bits = (a: ArrayLike<number>) => Buffer.from(Float32Array.from(a).buffer);

describe.skipIf(nativeMissing != null)(`native dropout${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it('seeds Alea as seedrandom does: the first draws equal tf.randomUniform\'s', async () => {
    await tf.setBackend('cpu');
    const want = tf.randomUniform([5], 0, 1, 'float32', '7:0').dataSync();
    const s = aleaState('7:0');
    let { c, s0, s1, s2 } = s;
    const got = Array.from({ length: 5 }, () => {
      const t = 2091639 * s0 + c * 2.3283064365386963e-10;
      s0 = s1; s1 = s2; c = t | 0; s2 = t - c;
      return s2;
    });
    expect(bits(got).equals(bits(want))).toBe(true);
  });

  it.each([
    { shape: [4, 7], rate: 0.5, seed: '3:0' },
    { shape: [128, 14, 14, 32], rate: 0.1, seed: '12:41' },
    { shape: [128, 96], rate: 0.2, seed: '11:0' },
    { shape: [9, 33], rate: 0.3, seed: 'x' },
  ])('forward and gradient of $shape at rate $rate equal tf.dropout on cpu bit for bit', async ({ shape, rate, seed }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const x = randomValues(n, n), dy = randomValues(n, n + 1);
    const run = (f: (t: tf.Tensor) => tf.Tensor) => tf.tidy(() => {
      const xt = tf.tensor(x, shape);
      return { y: f(xt).dataSync(), dx: tf.grad(f)(xt, tf.tensor(dy, shape)).dataSync() };
    });
    await tf.setBackend('cpu');
    expect(nativeDropoutOrNull(tf.zeros([2]), rate, seed)).toBeNull();
    const want = run((t) => tf.dropout(t, rate, undefined, seed));
    await tf.setBackend('wasm');
    const got = await expectNative('dropout', async () => run((t) => nativeDropoutOrNull(t, rate, seed)!));
    expect(bits(got.y).equals(bits(want.y)), 'forward bits').toBe(true);
    expect(bits(got.dx).equals(bits(want.dx)), 'gradient bits').toBe(true);
    // Neither all kept nor all dropped: the mask really varies.
    const zeros = Array.from(got.y).filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(0);
    expect(zeros).toBeLessThan(n);
  });

  it('every Alea loop (integer segments, rounding instruction, portable int round trip) draws tf.dropout\'s bits, and each one ran', async () => {
    // 5 segments of 16384 and a short one: the segments' jumped-ahead start states are used.
    const shape = [64, 13, 13, 8], rate = 0.25, seed = '5:9';
    const n = shape.reduce((a, b) => a * b, 1);
    const x = randomValues(n, 3);
    await tf.setBackend('cpu');
    const want = bits(tf.tidy(() => tf.dropout(tf.tensor(x, shape), rate, undefined, seed).dataSync()));
    await tf.setBackend('wasm');
    const count = () => ({ rounded: addon!.counts().dropoutRounded, mwc: addon!.counts().dropoutMwc });
    const draw = () => bits(tf.tidy(() => nativeDropoutOrNull(tf.tensor(x, shape), rate, seed)!.dataSync()));
    const forced = async (loop: string | undefined) => {
      if (loop) process.env.WORKBENCH_NATIVE_DROPOUT = loop;
      try {
        const c0 = count();
        const out = await expectNative('dropout', async () => draw());
        const c1 = count();
        return { out, rounded: c1.rounded - c0.rounded, mwc: c1.mwc - c0.mwc };
      } finally {
        delete process.env.WORKBENCH_NATIVE_DROPOUT;
      }
    };
    // x86-64 without SSE4.1 (pre-2008 CPUs) has only the portable double loop; every other CPU has the rounding one.
    const x86 = process.arch === 'x64' || process.arch === 'ia32';
    const hasSse41 = !x86 || (await import('node:fs')).readFileSync('/proc/cpuinfo', 'utf8').includes(' sse4_1');
    const segments = await forced(undefined);
    expect([segments.mwc, segments.rounded], 'the default: integer segments').toEqual([1, 0]);
    const serial = await forced('serial');
    expect([serial.mwc, serial.rounded], 'WORKBENCH_NATIVE_DROPOUT=serial: the double loop').toEqual([0, hasSse41 ? 1 : 0]);
    const portable = await forced('portable');
    expect([portable.mwc, portable.rounded], 'WORKBENCH_NATIVE_DROPOUT=portable').toEqual([0, x86 ? 0 : 1]);
    expect(segments.out.equals(want), 'integer segments vs cpu').toBe(true);
    expect(serial.out.equals(want), 'rounding loop vs cpu').toBe(true);
    expect(portable.out.equals(want), 'portable loop vs cpu').toBe(true);
  });

  it('the integer segments give the same bits on 1 and 2 threads, at sizes around the segment length', async () => {
    await tf.setBackend('wasm');
    for (const n of [16383, 16384, 16385, 65536 + 7]) {
      const x = randomValues(n, n);
      const draw = () => bits(tf.tidy(() => nativeDropoutOrNull(tf.tensor(x, [n]), 0.4, `t:${n}`)!.dataSync()));
      const two = draw();
      addon!.setThreads(1);
      let one: Buffer;
      try {
        one = draw();
      } finally {
        addon!.setThreads(2);
      }
      expect(one.equals(two), `n = ${n}`).toBe(true);
      await tf.setBackend('cpu');
      const want = bits(tf.tidy(() => tf.dropout(tf.tensor(x, [n]), 0.4, undefined, `t:${n}`).dataSync()));
      await tf.setBackend('wasm');
      expect(two.equals(want), `n = ${n} vs cpu`).toBe(true);
    }
  });

  it('a built model\'s seeded Dropout draws the same mask sequence on wasm + native as on cpu', async () => {
    const spec = validateModelSpec({ name: 'd', inputShape: [784], layers: [{ type: 'Dropout', rate: 0.4 }, { type: 'Dense', units: 10, activation: 'softmax' }] });
    const masks = async (backend: string) => {
      await tf.setBackend(backend);
      const m = buildModel(spec, 21);
      const out = Array.from({ length: 3 }, () => tf.tidy(() => bits((m.layers[0].apply(tf.ones([64, 784]), { training: true }) as tf.Tensor).dataSync())));
      m.dispose();
      return out;
    };
    const want = await masks('cpu');
    const got = await expectNative('dropout', () => masks('wasm'));
    got.forEach((b, i) => expect(b.equals(want[i]), `step ${i}`).toBe(true));
    expect(got[0].equals(got[1])).toBe(false);
  });
});
