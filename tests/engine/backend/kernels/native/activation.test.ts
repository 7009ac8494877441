// Tests the fused native activations (forward and gradient) and the native Elu/EluGrad on wasm against tfjs's 'cpu' backend.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATION_KERNEL, NATIVE_ACTIVATIONS } from '../../../../../electron/engine/backend/kernels/native/Activation.js';
import { fuseActivation } from '../../../../../electron/engine/models/activations.js';
import { randomValues, runOn } from '../reference.js';
import { addon, expectNative, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);

/** Inputs over the whole range each function treats differently: both signs, tiny, around the series cut-offs, saturated, non-finite. */
function inputs(n: number, seed: number): Float32Array {
  const special = [0, -0, 1e-7, -1e-7, 1e-4, -1e-4, 0.2499, 0.25, -0.25, 0.3, -0.3, 0.4999, 0.5, -0.5, -0.5001, 1, -1, 5.99, 6, 6.01,
    13.9, -13.9, 14, -14, 20, -20, 40, -40, 88, -88, 90, -90, 104, -104, 200, -200, Infinity, -Infinity, NaN];
  const r = randomValues(n, seed);
  for (let i = 0; i < n; i++) r[i] = i < special.length ? special[i] : r[i] * (i % 3 === 0 ? 1 : i % 3 === 1 ? 8 : 30);
  return r;
}

const ulp = (v: number): number => {
  const f = new Float32Array([Math.abs(v)]);
  new Int32Array(f.buffer)[0] += 1;
  return f[0] - Math.abs(v);
};

/**
 * Within float rounding: 4 ulps of the value, plus 2 ulps of 1 scaled by |x| for results that pass through an
 * intermediate near 1 (sigmoid, erf: 1 - y, 1 + erf), where one ulp there is many ulps of a small result.
 */
function expectFloatClose(got: Float32Array, want: Float32Array, label: string, x?: Float32Array): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const a = got[i], b = want[i];
    if (Number.isNaN(b) || !Number.isFinite(b)) {
      expect(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)) || a === b, `${label} [${i}]: got ${a}, want ${b}`).toBe(true);
      continue;
    }
    const tol = 4 * ulp(b) + 2 ** -22 * Math.max(1, Math.abs(x?.[i] ?? 1));
    if (!(Math.abs(a - b) <= tol)) expect.fail(`${label} [${i}]: got ${a}, want ${b} (|diff| ${Math.abs(a - b)} > ${tol})`);
  }
}

/** Forward and gradient (for a given dy) of a layer's activation on the current backend. */
function forwardAndGrad(layer: tf.layers.Layer, x: Float32Array, dy: Float32Array, shape: number[]) {
  return tf.tidy(() => {
    const xt = tf.tensor(x, shape);
    const f = (t: tf.Tensor) => layer.apply(t) as tf.Tensor;
    const y = f(xt);
    const dx = tf.grad(f)(xt, tf.tensor(dy, shape));
    return { y: y.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array };
  });
}

const fusedNames = Object.keys(NATIVE_ACTIVATIONS).filter((n) => n !== 'elu');

describe.skipIf(nativeMissing != null)(`fused native activations equal cpu${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it('covers every activation of the spec but linear, relu (own kernels), elu (tfjs kernels below) and softmax', async () => {
    const { ACTIVATIONS } = await import('../../../../../shared/spec.js');
    expect([...fusedNames, 'elu', 'linear', 'relu', 'softmax'].sort()).toEqual([...ACTIVATIONS].sort());
  });

  it.each(fusedNames.flatMap((name) => [{ name, shape: [7, 11, 3] }, { name, shape: [16, 9, 9, 32] }]))(
    '$name forward and gradient, shape $shape', async ({ name, shape }) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = inputs(n, name.length * 7 + n);
      const dy = randomValues(n, n + 3);
      const layer = fuseActivation(tf.layers.activation({ activation: name as 'selu' }));
      await tf.setBackend('cpu');
      const want = forwardAndGrad(layer, x, dy, shape);
      await tf.setBackend('wasm');
      const got = await expectNative('activation', async () => forwardAndGrad(layer, x, dy, shape));
      expectFloatClose(got.y, want.y, `${name} forward`, x);
      expectFloatClose(got.dx, want.dx, `${name} gradient`, x);
    });

  it('on cpu the layer runs tfjs\'s own activation (the fused kernel exists on wasm + native only)', async () => {
    await tf.setBackend('cpu');
    expect(tf.getKernel(ACTIVATION_KERNEL, 'cpu')).toBeUndefined();
    const layer = fuseActivation(tf.layers.activation({ activation: 'selu' }));
    await expectNative('activation', async () => forwardAndGrad(layer, inputs(100, 1), randomValues(100, 2), [100]), false);
  });

  it.each([[5, 7], [16, 13, 13, 32]])('Elu and EluGrad (tfjs kernels), shape %j', async (...shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const x = { shape, values: inputs(n, 9) };
    const y = await runOn('cpu', 'Elu', { x }, {});
    const got = await expectNative('activation', () => runOn('wasm', 'Elu', { x }, {}));
    expectFloatClose(got.values, y.values, 'Elu');
    const grad = { dy: { shape, values: randomValues(n, 10) }, y: { shape, values: y.values } };
    const gotGrad = await expectNative('activation', () => runOn('wasm', 'EluGrad', grad, {}));
    expectFloatClose(gotGrad.values, (await runOn('cpu', 'EluGrad', grad, {})).values, 'EluGrad');
  });

  it('the same input gives the same bits on every call (element-wise: no split changes a number)', async () => {
    await tf.setBackend('wasm');
    const layer = fuseActivation(tf.layers.activation({ activation: 'gelu' }));
    const x = inputs(128 * 100, 5), dy = randomValues(128 * 100, 6);
    const a = forwardAndGrad(layer, x, dy, [128, 100]);
    const b = forwardAndGrad(layer, x, dy, [128, 100]);
    expect(Buffer.from(a.dx.buffer).equals(Buffer.from(b.dx.buffer))).toBe(true);
    expect(Buffer.from(a.y.buffer).equals(Buffer.from(b.y.buffer))).toBe(true);
  });

  it('the AVX-512 build runs where the CPU has it, and gives the AVX2 (and plain) build\'s bits; WORKBENCH_NATIVE_ACT caps it', async () => {
    await tf.setBackend('wasm');
    const x86 = process.arch === 'x64' || process.arch === 'ia32';
    const wide = x86 && (await import('node:fs')).readFileSync('/proc/cpuinfo', 'utf8').includes(' avx512bw');
    const x = inputs(64 * 12 * 12 * 16, 11), dy = randomValues(x.length, 12), shape = [64, 12, 12, 16];
    const counted = () => addon!.counts().activationAvx512;
    const run = (name: string) => {
      const layer = fuseActivation(tf.layers.activation({ activation: name as 'gelu' }));
      const before = counted();
      const out = forwardAndGrad(layer, x, dy, shape);
      return { ...out, wideCalls: counted() - before };
    };
    for (const name of ['gelu', 'swish', 'selu', 'tanh']) {
      const fast = run(name);
      // The forward (twice: once more inside tf.grad) computes exp or erf and takes the 512-bit build; so does the
      // gradient from x (gelu, swish, selu), while tanh's from y is memory-bound and stays on the 256-bit loop.
      expect(fast.wideCalls, `${name}: calls through the AVX-512 build`).toBe(wide ? (name === 'tanh' ? 2 : 3) : 0);
      const capped: Record<string, ReturnType<typeof run>> = {};
      for (const cap of ['avx2', 'generic']) {
        process.env.WORKBENCH_NATIVE_ACT = cap;
        try {
          capped[cap] = run(name);
        } finally {
          delete process.env.WORKBENCH_NATIVE_ACT;
        }
        expect(capped[cap].wideCalls, `${name} capped at ${cap}`).toBe(0);
      }
      // NaN is NaN (its payload follows the compiler's operand order); every other value bit for bit.
      const same = (a: Float32Array, b: Float32Array) => a.every((v, i) => Object.is(v, b[i]) || (v !== v && b[i] !== b[i]));
      for (const cap of ['avx2', 'generic']) {
        expect(same(fast.y, capped[cap].y), `${name} forward vs ${cap}`).toBe(true);
        expect(same(fast.dx, capped[cap].dx), `${name} gradient vs ${cap}`).toBe(true);
      }
    }
  });

  it('softplus: the vectorised float path (default) and the double libm one (WORKBENCH_NATIVE_SOFTPLUS=double) both equal cpu, and the switch takes effect', async () => {
    const shape = [64, 500];
    const x = inputs(64 * 500, 21);
    for (let i = 40; i < x.length; i += 2) x[i] = -20 + (40 * i) / x.length; // a dense sweep across both cut-offs
    const dy = randomValues(x.length, 22);
    const layer = fuseActivation(tf.layers.activation({ activation: 'softplus' }));
    await tf.setBackend('cpu');
    const want = forwardAndGrad(layer, x, dy, shape);
    await tf.setBackend('wasm');
    const fast = await expectNative('activation', async () => forwardAndGrad(layer, x, dy, shape));
    process.env.WORKBENCH_NATIVE_SOFTPLUS = 'double';
    let slow: ReturnType<typeof forwardAndGrad>;
    try {
      slow = await expectNative('activation', async () => forwardAndGrad(layer, x, dy, shape));
    } finally {
      delete process.env.WORKBENCH_NATIVE_SOFTPLUS;
    }
    expectFloatClose(fast.y, want.y, 'softplus forward (float)', x);
    expectFloatClose(slow.y, want.y, 'softplus forward (double)', x);
    expectFloatClose(fast.dx, want.dx, 'softplus gradient', x);
    // Two arithmetics: some last bits differ, so each run really took its own path.
    expect(fast.y.some((v, i) => !Object.is(v, slow.y[i]) && !(v !== v && slow.y[i] !== slow.y[i]))).toBe(true);
    // The gradient does not go through the switch.
    expect(Buffer.from(fast.dx.buffer).equals(Buffer.from(slow.dx.buffer))).toBe(true);
  });
});
