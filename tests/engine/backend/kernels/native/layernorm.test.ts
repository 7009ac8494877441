// Tests the native layer normalisation (fused forward and gradient through the engine's LayerNormalization) on wasm
// against tfjs's cpu backend running the layer's op graph, with and without gamma/beta, and that it really ran natively.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fusedLayerNormAvailable, layerNormalization } from '../../../../../electron/engine/models/layerNorm.js';
import { LAYER_NORM } from '../../../../../electron/engine/backend/kernels/native/LayerNorm.js';
import { expectClose, randomValues } from '../reference.js';
import { addon, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);
afterAll(useNative);

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
type Values = { shape: number[]; values: Float32Array };
const read = (t: tf.Tensor): Values => ({ shape: [...t.shape], values: Float32Array.from(t.dataSync()) });

function expectNear(got: Values, want: Values, tol: number, label: string) {
  const scale = Math.max(1, ...Array.from(want.values, Math.abs));
  expectClose(got, want, tol * scale, label);
}

interface StepResult { y: Values; dx: Values; params: Values[] }

/** Two steps of one LayerNormalization layer: loss Σ y·w (dy = w), gradients of x and of gamma/beta, SGD on them. */
async function train(backend: string, shape: number[], opts: { center: boolean; scale: boolean; epsilon?: number; offset?: number }): Promise<StepResult[]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const c = shape[shape.length - 1];
  const layer = layerNormalization({ center: opts.center, scale: opts.scale, epsilon: opts.epsilon });
  layer.build([null, ...shape.slice(1)]);
  const initial = [...(opts.scale ? [tf.tensor(randomValues(c, 11).map((v) => 1 + v / 2))] : []), ...(opts.center ? [tf.tensor(randomValues(c, 12))] : [])];
  layer.setWeights(initial);
  tf.dispose(initial);
  const out: StepResult[] = [];
  for (let s = 0; s < 2; s++) {
    tf.tidy(() => {
      const x = tf.variable(tf.tensor(randomValues(size(shape), 100 + s).map((v) => v * (1 + s) + (opts.offset ?? 0)), shape));
      const w = tf.tensor(randomValues(size(shape), 200 + s), shape);
      const params = layer.trainableWeights.map((v) => v.read() as tf.Variable);
      let y: tf.Tensor | null = null;
      const { grads } = tf.variableGrads(() => {
        y = tf.keep(layer.apply(x, { training: true }) as tf.Tensor);
        return tf.sum(tf.mul(y, w)) as tf.Scalar;
      }, [x, ...params]);
      out.push({ y: read(y!), dx: read(grads[x.name]), params: params.map((p) => read(grads[p.name])) });
      for (const p of params) p.assign(tf.sub(p, tf.mul(grads[p.name], 0.01)));
      tf.dispose([y!, x]);
    });
  }
  tf.dispose(layer.weights.map((v) => v.read()));
  expect(tf.memory().numTensors, `tensors left on ${backend}`).toBe(before);
  return out;
}

const CASES: Array<[string, number[], { center: boolean; scale: boolean; epsilon?: number; offset?: number }]> = [
  ['dense 128x256 (parallel), gamma and beta', [128, 256], { center: true, scale: true }],
  ['dense 3x5, no beta', [3, 5], { center: false, scale: true }],
  ['dense 7x1, no gamma', [7, 1], { center: true, scale: false, epsilon: 0.1 }],
  ['conv 16x13x13x24 (parallel, 2,704 rows), neither', [16, 13, 13, 24], { center: false, scale: false }],
  ['conv 4x6x6x64, inputs around 50', [4, 6, 6, 64], { center: true, scale: true, offset: 50 }],
];

describe.skipIf(nativeMissing != null)(`LayerNormalization on wasm + native equals cpu${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(CASES)('%s', async (label, shape, opts) => {
    const want = await train('cpu', shape, opts);
    expect(fusedLayerNormAvailable(), 'cpu has no fused kernels: the op graph').toBe(false);
    await useNative();
    expect(fusedLayerNormAvailable()).toBe(true);
    const c0 = addon!.counts();
    const got = await train('wasm', shape, opts);
    const c1 = addon!.counts();
    expect(c1.layerNorm - c0.layerNorm, 'native forward calls').toBe(2);
    expect(c1.layerNormGrad - c0.layerNormGrad, 'native gradient calls').toBe(2);
    got.forEach((g, s) => {
      const w = want[s];
      expectNear(g.y, w.y, 1e-5, `${label} step ${s} y`);
      expectNear(g.dx, w.dx, 1e-4, `${label} step ${s} dx`);
      expect(g.params.length).toBe(w.params.length);
      g.params.forEach((p, i) => expectNear(p, w.params[i], 1e-4, `${label} step ${s} param ${i}`));
    });
  });

  it('gives the same bits on 1 and 2 threads, and on every call', async () => {
    const shape = [64, 9, 9, 48];
    await useNative();
    const a = await train('wasm', shape, { center: true, scale: true });
    const b = await train('wasm', shape, { center: true, scale: true });
    addon!.setThreads(1);
    const one = await train('wasm', shape, { center: true, scale: true });
    addon!.setThreads(2);
    for (const other of [b, one]) {
      other.forEach((g, s) => {
        expect(Buffer.from(g.y.values.buffer).equals(Buffer.from(a[s].y.values.buffer))).toBe(true);
        expect(Buffer.from(g.dx.values.buffer).equals(Buffer.from(a[s].dx.values.buffer))).toBe(true);
        g.params.forEach((p, i) => expect(Buffer.from(p.values.buffer).equals(Buffer.from(a[s].params[i].values.buffer))).toBe(true));
      });
    }
  });

  it('the one-pass gradient (dx with the gamma/beta sums) gives the two passes\' bits, on 1 and 2 threads', async () => {
    await useNative();
    const bits = (r: StepResult[]) => r.flatMap((g) => [g.dx, ...g.params].map((v) => Buffer.from(v.values.buffer)));
    for (const [shape, opts] of [[[64, 9, 9, 48], { center: true, scale: true }], [[300, 112], { center: false, scale: true }],
      [[2, 14, 14, 112], { center: true, scale: false }]] as const) {
      const f0 = addon!.counts().layerNormGradFused;
      const fused = await train('wasm', [...shape], opts);
      expect(addon!.counts().layerNormGradFused - f0, 'one-pass gradient calls').toBe(2);
      process.env.WORKBENCH_NATIVE_LN_GRAD = 'split';
      try {
        for (const threads of [1, 2]) {
          addon!.setThreads(threads);
          const f1 = addon!.counts().layerNormGradFused;
          const split = await train('wasm', [...shape], opts);
          expect(addon!.counts().layerNormGradFused, 'the switch takes the two passes').toBe(f1);
          bits(split).forEach((b, i) => expect(b.equals(bits(fused)[i]), `${shape} ${threads} thread(s): tensor ${i}`).toBe(true));
        }
      } finally {
        delete process.env.WORKBENCH_NATIVE_LN_GRAD;
        addon!.setThreads(2);
      }
    }
  });

  it('the forward gives each row the bits it gets alone (rows are summed four at a time, interleaved)', async () => {
    await useNative();
    addon!.setThreads(1);
    try {
      const [m, c] = [11, 37];
      const x = tf.tensor(randomValues(m * c, 21).map((v, i) => v * 4 + (i % 3)), [m, c]);
      const gamma = tf.tensor(randomValues(c, 22), [c]);
      const run = (t: tf.Tensor) => (tf.engine().runKernel(LAYER_NORM, { x: t, gamma }, { epsilon: 1e-3 }) as tf.Tensor[]).map((o) => Float32Array.from(o.dataSync()));
      const all = tf.tidy(() => run(x));
      for (let r = 0; r < m; r++) {
        const alone = tf.tidy(() => run(tf.slice(x, [r, 0], [1, c])));
        expect(Buffer.from(alone[0].buffer).equals(Buffer.from(all[0].slice(r * c, (r + 1) * c).buffer)), `row ${r} y`).toBe(true);
        expect([alone[1][0], alone[2][0]], `row ${r} mean, rstd`).toEqual([all[1][r], all[2][r]]);
      }
      tf.dispose([x, gamma]);
    } finally {
      addon!.setThreads(2);
    }
  });

  it('a layer over another axis keeps the op graph', async () => {
    await useNative();
    const layer = layerNormalization({ axis: 1 });
    layer.build([null, 4, 3]);
    const c0 = addon!.counts().layerNorm;
    const y = tf.tidy(() => layer.apply(tf.tensor(randomValues(24, 5), [2, 4, 3]), { training: true }) as tf.Tensor);
    expect(addon!.counts().layerNorm - c0).toBe(0);
    expect(y.shape).toEqual([2, 4, 3]);
    tf.dispose([y, ...layer.weights.map((v) => v.read())]);
  });
});
