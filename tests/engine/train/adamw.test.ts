// Tests AdamW, Nesterov SGD and Adam's epsilon against their formulas written out by hand, on the native path and tfjs's.
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../electron/engine/backend/select.js';
import { makeOptimizer } from '../../../electron/engine/train/optimizer.js';
import { FusedAdamW } from '../../../electron/engine/train/adamw.js';
import { HyperparametersSchema, OptimizerSchema } from '../../../shared/hyper.js';
import { nativeMissing, useNative } from '../backend/kernels/native/setup.js';

const W0 = [0.5, -1.25, 2, 0.001, -0.3];
const G1 = [0.1, -0.2, 0.03, 1.5, 0];
const G2 = [-0.4, 0.05, 0.3, -1, 0.2];

/** Applies the gradients in order to a fresh variable; returns its values after each step. */
function run(opt: tf.Optimizer, grads: number[][]): Float32Array[] {
  const w = tf.variable(tf.tensor1d(W0), true, `w_${Math.random().toString(36).slice(2)}`);
  const out: Float32Array[] = [];
  for (const g of grads) {
    tf.tidy(() => opt.applyGradients({ [w.name]: tf.tensor1d(g) }));
    out.push(Float32Array.from(w.dataSync()));
  }
  w.dispose();
  opt.dispose();
  return out;
}

/**
 * float32 against double: 1 − β₂ = 1 − 0.999 is off by 1e-5 relative in float32, which v̂ carries (half of it through
 * the square root), so 1e-6 absolute: far below the terms under test (the decay lr·wd·|w| is 5e-4 for w = 0.5).
 */
function expectClose(got: Float32Array, want: number[], what: string): void {
  want.forEach((v, i) => expect(Math.abs(got[i] - v), `${what}[${i}]: ${got[i]} vs ${v}`).toBeLessThanOrEqual(1e-6));
}

const backends: Array<[string, () => Promise<unknown>]> = [
  ['cpu (tfjs update)', () => selectBackend('cpu')],
  ...(nativeMissing ? [] : [['wasm + native fused update', useNative] as [string, () => Promise<unknown>]]),
];

describe.each(backends)('optimizer formulas on %s', (_name, select) => {
  afterAll(() => selectBackend('wasm', { native: true, threads: 2 }));

  it('AdamW: one step is w·(1 − lr·wd) − lr·m̂/(√v̂ + ε) with m̂ = g, v̂ = g²', async () => {
    await select();
    const lr = 0.01, wd = 0.1, eps = 1e-7;
    const opt = makeOptimizer(OptimizerSchema.parse({ type: 'adamw', weightDecay: wd }), lr);
    expect(opt).toBeInstanceOf(FusedAdamW);
    const [w1] = run(opt, [G1]);
    expectClose(w1, W0.map((w, i) => w * (1 - lr * wd) - (lr * G1[i]) / (Math.abs(G1[i]) + eps)), 'AdamW step 1');
  });

  it('AdamW: the second step uses bias-corrected moments of the loss gradient only (the decay never enters m, v)', async () => {
    await select();
    const lr = 0.02, wd = 0.05, b1 = 0.9, b2 = 0.999, eps = 1e-7;
    const [w1, w2] = run(makeOptimizer({ type: 'adamw', beta1: b1, beta2: b2, weightDecay: wd }, lr), [G1, G2]);
    const want = W0.map((_, i) => {
      const m = b1 * (1 - b1) * G1[i] + (1 - b1) * G2[i];
      const v = b2 * (1 - b2) * G1[i] ** 2 + (1 - b2) * G2[i] ** 2;
      const mh = m / (1 - b1 ** 2);
      const vh = v / (1 - b2 ** 2);
      return w1[i] * (1 - lr * wd) - (lr * mh) / (Math.sqrt(vh) + eps);
    });
    expectClose(w2, want, 'AdamW step 2');
  });

  it('AdamW with weightDecay 0 is Adam', async () => {
    await select();
    const a = run(makeOptimizer({ type: 'adamw', beta1: 0.9, beta2: 0.999, weightDecay: 0 }, 0.01), [G1, G2]);
    const b = run(makeOptimizer({ type: 'adam', beta1: 0.9, beta2: 0.999 }, 0.01), [G1, G2]);
    expect(a).toEqual(b);
  });

  it('Adam\'s epsilon is used: ε = 1 changes the first step to lr·g/(|g| + 1)', async () => {
    await select();
    const [w1] = run(makeOptimizer({ type: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1 }, 0.1), [G1]);
    expectClose(w1, W0.map((w, i) => w - (0.1 * G1[i]) / (Math.abs(G1[i]) + 1)), 'Adam ε = 1');
  });

  it('SGD with Nesterov: buf ← μ·buf + g; w ← w − lr·(g + μ·buf), as PyTorch', async () => {
    await select();
    const lr = 0.1, mu = 0.9;
    const [w1, w2] = run(makeOptimizer({ type: 'sgd', momentum: mu, nesterov: true }, lr), [G1, G2]);
    const buf1 = G1;
    const want1 = W0.map((w, i) => w - lr * (G1[i] + mu * buf1[i]));
    const buf2 = buf1.map((b, i) => mu * b + G2[i]);
    const want2 = want1.map((w, i) => w - lr * (G2[i] + mu * buf2[i]));
    expectClose(w1, want1, 'Nesterov step 1');
    expectClose(w2, want2, 'Nesterov step 2');
    // And it differs from plain momentum, whose step 2 is w − lr·buf.
    const [, m2] = run(makeOptimizer({ type: 'sgd', momentum: mu }, lr), [G1, G2]);
    expect(Math.abs(m2[0] - w2[0])).toBeGreaterThan(1e-3);
  });
});

describe('optimizer contract', () => {
  it('rejects a negative weight decay and a zero epsilon with messages naming the field', () => {
    const bad = HyperparametersSchema.safeParse({ learningRate: 1e-3, batchSize: 32, epochs: 1, optimizer: { type: 'adamw', weightDecay: -1 } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0].message).toContain('weightDecay must be ≥ 0');
    const eps = OptimizerSchema.safeParse({ type: 'adam', epsilon: 0 });
    expect(eps.error!.issues[0].message).toContain('epsilon must be > 0');
  });

  it('an old optimizer config parses to exactly what it parsed to before (no new keys)', () => {
    expect(OptimizerSchema.parse({ type: 'adam' })).toEqual({ type: 'adam', beta1: 0.9, beta2: 0.999 });
    expect(OptimizerSchema.parse({ type: 'sgd' })).toEqual({ type: 'sgd', momentum: 0.9 });
  });
});
