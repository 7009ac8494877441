// Model layer: GaussianNoise's draw, the gradients of ReLU, LeakyReLU, PReLU and global max pooling as one native pass each, with
// tfjs's own op graphs as the fallback (no addon, another backend, WORKBENCH_FUSED_GRAPH=0). Same bits either way.
import * as tf from '@tensorflow/tfjs';
import { backend_util } from '@tensorflow/tfjs';
import { aleaState } from '../backend/kernels/native/Dropout.js';
import { GAUSSIAN_NOISE, GLOBAL_MAX_GRAD, LEAKY_RELU_GRAD, PRELU_GRAD, RELU_GRAD } from '../backend/kernels/native/GraphOps.js';

type Kwargs = Parameters<tf.layers.Layer['call']>[1];
type Inputs = Parameters<tf.layers.Layer['call']>[0];
type LeakyArgs = Parameters<typeof tf.layers.leakyReLU>[0];
type PreluArgs = Parameters<typeof tf.layers.prelu>[0];
type PoolArgs = Parameters<typeof tf.layers.globalMaxPooling2d>[0];

const one = (inputs: Inputs): tf.Tensor => (Array.isArray(inputs) ? inputs[0] : inputs);
const has = (kernel: string) => tf.getKernel(kernel, tf.getBackend()) != null;

/** Off with WORKBENCH_FUSED_GRAPH=0: the layers then run tfjs's op graphs (for comparing, and as a way out). */
export function graphFusionEnabled(): boolean {
  return process.env.WORKBENCH_FUSED_GRAPH !== '0';
}

/**
 * x + tf.randomNormal(x.shape, 0, stddev, 'float32', seed), the same numbers, drawn and added in one native pass when
 * the kernel is there (its gradient: dy to x, as Add's). `seed` must be non-zero: tfjs draws from Math.random at 0.
 */
export function addGaussianNoise(x: tf.Tensor, stddev: number, seed: number): tf.Tensor {
  if (seed !== 0 && x.dtype === 'float32' && graphFusionEnabled() && has(GAUSSIAN_NOISE)) {
    const attrs = { ...aleaState(seed.toString()), mean: 0, stddev };
    const op = tf.customGrad(((input: tf.Tensor) => ({
      value: tf.engine().runKernel(GAUSSIAN_NOISE, { x: input }, attrs as never) as tf.Tensor,
      gradFunc: (dy: tf.Tensor) => tf.clone(dy),
    })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (input: tf.Tensor) => tf.Tensor;
    return op(x);
  }
  return tf.add(x, tf.randomNormal(x.shape, 0, stddev, 'float32', seed));
}

/**
 * tfjs's Relu gradient, mul(dy, cast(step(x), 'float32')), is three kernels and two passes over the activation; this
 * replaces it (for every model: the registry is global) with one native pass of the same bits when the kernel is there,
 * and keeps tfjs's formula elsewhere. While a gradient is recorded tfjs's fused Dense/Conv2D ops run relu as a
 * separate Relu kernel too, so this serves every relu layer trained on the taped path.
 */
/** dy·step(y) (relu's gradient from its input or output) in one native pass where the kernel is, else tfjs's ops. */
export function reluGradient(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  return x.dtype === 'float32' && dy.dtype === 'float32' && graphFusionEnabled() && has(RELU_GRAD)
    ? tf.engine().runKernel(RELU_GRAD, { x, dy }) as tf.Tensor
    : tf.mul(dy, tf.cast(tf.step(x), 'float32'));
}

tf.registerGradient({
  kernelName: tf.Relu,
  inputsToSave: ['x'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
    const [x] = saved;
    return { x: () => reluGradient(dy as tf.Tensor, x) };
  },
});

const leakyOps = new Map<number, (x: tf.Tensor) => tf.Tensor>();

/** tf.leakyRelu forward (the same kernel), its gradient in one pass: x > 0 ? dy : dy·alpha. */
function fusedLeaky(alpha: number): (x: tf.Tensor) => tf.Tensor {
  let f = leakyOps.get(alpha);
  if (!f) {
    f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
      save([x]);
      return {
        value: tf.leakyRelu(x, alpha),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.engine().runKernel(LEAKY_RELU_GRAD, { x: saved[0], dy }, { alpha }) as tf.Tensor,
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;
    leakyOps.set(alpha, f);
  }
  return f;
}

/**
 * The x elements alpha repeats over, when alpha (x's shape without the batch, 1 on shared axes) covers x's trailing
 * axes whole after leading 1s: alpha[i mod period] is then the factor of x's element i; otherwise null.
 */
export function preluPeriod(xShape: readonly number[], alphaShape: readonly number[]): number | null {
  if (alphaShape.length > xShape.length) return null;
  const padded = [...new Array<number>(xShape.length - alphaShape.length).fill(1), ...alphaShape];
  let d = 0;
  while (d < padded.length && padded[d] === 1) d++;
  for (let k = d; k < padded.length; k++) if (padded[k] !== xShape[k]) return null;
  return padded.slice(d).reduce((a, b) => a * b, 1);
}

/** tf.prelu forward (the same kernel), its gradient in one pass plus tfjs's own sum over the shared axes for alpha. */
const fusedPrelu = tf.customGrad(((x: tf.Tensor, alpha: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, alpha]);
  return {
    value: tf.prelu(x, alpha),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sAlpha] = saved;
      const [dx, terms] = tf.engine().runKernel(PRELU_GRAD, { x: sx, dy, alpha: sAlpha }) as tf.Tensor[];
      const axes = backend_util.getReductionAxes(sAlpha.shape, dy.shape);
      const da = axes.length > 0 ? tf.sum(terms, axes) : terms;
      return [dx, tf.reshape(da, sAlpha.shape)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor, alpha: tf.Tensor) => tf.Tensor;

/** PReLU from where/mul with tfjs's Prelu gradient formula (for an alpha tfjs's wasm kernel gets wrong). */
const preluByOps = tf.customGrad(((x: tf.Tensor, alpha: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, alpha]);
  return {
    value: tf.where(tf.greater(x, 0), x, tf.mul(x, alpha)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sAlpha] = saved;
      const mask = tf.greater(sx, 0);
      const axes = backend_util.getReductionAxes(sAlpha.shape, dy.shape);
      const terms = tf.where(mask, tf.zerosLike(dy), tf.mul(dy, sx));
      return [tf.where(mask, dy, tf.mul(dy, sAlpha)), tf.reshape(axes.length > 0 ? tf.sum(terms, axes) : terms, sAlpha.shape)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor, alpha: tf.Tensor) => tf.Tensor;

let Leaky: (new (args: LeakyArgs) => tf.layers.Layer) | null = null;
let Prelu: (new (args: PreluArgs) => tf.layers.Layer) | null = null;

/** tfjs's LeakyReLU (class name and config kept) whose gradient is one native pass when the kernel is there. */
export function leakyReLU(args: LeakyArgs): tf.layers.Layer {
  if (!Leaky) {
    const Base = Object.getPrototypeOf(tf.layers.leakyReLU({ name: 'leaky_probe' })).constructor as new (args: LeakyArgs) => tf.layers.Layer;
    Leaky = class extends Base {
      override call(inputs: Inputs, kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
        const x = one(inputs);
        const alpha = (this as unknown as { alpha: number }).alpha;
        if (x.dtype !== 'float32' || !graphFusionEnabled() || !has(LEAKY_RELU_GRAD)) return super.call(inputs, kwargs);
        return tf.tidy(() => fusedLeaky(alpha)(x));
      }
    };
  }
  return new Leaky(args);
}

/** tfjs's PReLU (class name and config kept) whose gradient is one native pass (and a Sum for alpha) when it can be. */
export function prelu(args: PreluArgs): tf.layers.Layer {
  if (!Prelu) {
    const Base = Object.getPrototypeOf(tf.layers.prelu({ name: 'prelu_probe' })).constructor as new (args: PreluArgs) => tf.layers.Layer;
    Prelu = class extends Base {
      override call(inputs: Inputs, kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
        const x = one(inputs);
        const alpha = (this as unknown as { alpha: tf.LayerVariable }).alpha.read();
        if (preluPeriod(x.shape, alpha.shape) == null) {
          // tfjs's wasm Prelu kernel indexes alpha as if it repeated over x's trailing elements: with alpha [H, 1, C]
          // (sharedAxes [2]) it computes wrong values. The same function from where/mul is right on every backend
          // and has tfjs's Prelu gradient (dy where x > 0, else dy·alpha); only a zero input's sign may differ.
          return tf.tidy(() => preluByOps(x, alpha));
        }
        if (x.dtype !== 'float32' || alpha.dtype !== 'float32' || !graphFusionEnabled() || !has(PRELU_GRAD)) return super.call(inputs, kwargs);
        return tf.tidy(() => fusedPrelu(x, alpha));
      }
    };
  }
  return new Prelu(args);
}

/** tf.max over H and W (the same kernel), its gradient in one pass: dy where x equals its image's channel maximum. */
const fusedGlobalMax = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const y = tf.max(x, [1, 2]);
  save([x, y]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.engine().runKernel(GLOBAL_MAX_GRAD, { x: saved[0], y: saved[1], dy }) as tf.Tensor,
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;

let GlobalMax: (new (args: PoolArgs) => tf.layers.Layer) | null = null;

/** tfjs's GlobalMaxPooling2D (class name and config kept) whose gradient is one native pass when the kernel is there. */
export function globalMaxPooling2d(args: PoolArgs): tf.layers.Layer {
  if (!GlobalMax) {
    const Base = Object.getPrototypeOf(tf.layers.globalMaxPooling2d({ name: 'global_max_probe' })).constructor as new (args: PoolArgs) => tf.layers.Layer;
    GlobalMax = class extends Base {
      override call(inputs: Inputs, kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
        const x = one(inputs);
        const channelsLast = (this as unknown as { dataFormat?: string }).dataFormat !== 'channelsFirst';
        if (!channelsLast || x.rank !== 4 || x.dtype !== 'float32' || x.size === 0 || !graphFusionEnabled() || !has(GLOBAL_MAX_GRAD)) {
          return super.call(inputs, kwargs);
        }
        return tf.tidy(() => fusedGlobalMax(x));
      }
    };
  }
  return new GlobalMax(args);
}
