// Engine/explain: the attribution methods (Grad-CAM, gradient saliency, SmoothGrad, integrated gradients) over a
// chain of layers; each returns a non-negative 28×28 map for one target (a class, or a class against another).
import * as tf from '@tensorflow/tfjs';
import { IMAGE_PIXELS, IMAGE_SIZE } from '../../../shared/classes.js';
import { mulberry32 } from '../data/rng.js';
import { ExplainError } from './errors.js';
import { MODEL_INPUT, forwardAll, isConv, isSequential, logitsFrom, targetScore, type ChainLayer } from './network.js';

export const EXPLAIN_METHODS = ['gradcam', 'saliency', 'smoothgrad', 'integrated-gradients'] as const;
export type ExplainMethod = (typeof EXPLAIN_METHODS)[number];

/** SmoothGrad (Smilkov et al. 2017): 25 noisy copies, noise σ = 0.15 of the [0, 1] pixel range (their 10–20 %). */
export const SMOOTHGRAD_SAMPLES = 25;
export const SMOOTHGRAD_SIGMA = 0.15;
/** Integrated gradients (Sundararajan et al. 2017): 128 intervals on the straight path from black, trapezoidal rule. */
export const IG_STEPS = 128;

export interface Target {
  cls: number;
  /** A contrast: the score differentiated is logit[cls] − logit[versus]. */
  versus: number | null;
}

export interface MethodOptions {
  /** Grad-CAM's layer (a Conv2D, SeparableConv2D or DepthwiseConv2D name); default the last one in topological order. */
  layer?: string | null;
  /** SmoothGrad's noise seed. */
  seed?: number;
  samples?: number;
  sigma?: number;
  steps?: number;
}

export interface MapResult {
  /** 784 non-negative values, row-major 28×28. */
  heatmap: Float32Array;
  /** Grad-CAM: the layer used and its map before upsampling. */
  layer?: string;
  coarse?: { height: number; width: number; values: Float32Array };
  /** Integrated gradients: Σ attributions and f(x) − f(black), equal by completeness up to the quadrature error. */
  attributionSum?: number;
  scoreDelta?: number;
}

/** Names of the convolutional layers (Conv2D, SeparableConv2D, DepthwiseConv2D), first to last in topological order. */
export function convLayerNames(chain: readonly ChainLayer[]): string[] {
  return chain.filter(isConv).map((l) => l.name);
}

export function resolveConvLayer(chain: readonly ChainLayer[], name: string | null | undefined): number {
  const convs = convLayerNames(chain);
  if (convs.length === 0) {
    throw new ExplainError('Grad-CAM needs a convolutional layer (Conv2D, SeparableConv2D or DepthwiseConv2D), and this model has none; use --method saliency (or smoothgrad, integrated-gradients) instead', 'method');
  }
  const wanted = name ?? convs[convs.length - 1];
  const i = chain.findIndex((l) => l.name === wanted);
  if (i < 0 || !isConv(chain[i])) {
    throw new ExplainError(`"${wanted}" is not a convolutional layer of this model; its conv layers are: ${convs.join(', ')}`, 'layer');
  }
  return i;
}

/** The batch of inputs shaped as the model takes them ([n, 28, 28, 1] or [n, 784]). */
function asInput(pixels: Float32Array, n: number, inputShape: readonly (number | null)[]): tf.Tensor {
  const per = inputShape.slice(1).map((d) => d ?? 1);
  const size = per.reduce((a, b) => a * b, 1);
  if (size !== IMAGE_PIXELS) throw new ExplainError(`the model takes inputs of shape [${per.join(', ')}], not a 28×28 image`, 'model');
  return tf.tensor(pixels, [n, ...per]);
}

/** ∂score/∂input for every row of a batch (rows are independent in inference mode), flattened to [n, 784]. */
function inputGradients(chain: readonly ChainLayer[], inputShape: readonly (number | null)[], batch: Float32Array, n: number, t: Target): Float32Array {
  return tf.tidy(() => {
    const x = asInput(batch, n, inputShape);
    const g = tf.grad((inp: tf.Tensor) => targetScore(logitsFrom(chain, inp, 0), t.cls, t.versus).sum())(x);
    return g.reshape([n, IMAGE_PIXELS]).dataSync() as Float32Array;
  });
}

function abs(a: Float32Array): Float32Array {
  return a.map(Math.abs);
}

export function saliency(chain: readonly ChainLayer[], inputShape: readonly (number | null)[], x: Float32Array, t: Target): MapResult {
  return { heatmap: abs(inputGradients(chain, inputShape, x, 1, t)) };
}

/** Standard normal draws by Box–Muller from the seeded generator: the same seed gives the same noise everywhere. */
export function gaussianNoise(n: number, seed: number): Float32Array {
  const rng = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - rng();
    const v = rng();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** Mean of |gradient| over noisy copies x + N(0, σ²) (the absolute-value variant of the paper). */
export function smoothGrad(chain: readonly ChainLayer[], inputShape: readonly (number | null)[], x: Float32Array, t: Target, opts: MethodOptions = {}): MapResult {
  const n = opts.samples ?? SMOOTHGRAD_SAMPLES;
  const sigma = opts.sigma ?? SMOOTHGRAD_SIGMA;
  const noise = gaussianNoise(n * IMAGE_PIXELS, opts.seed ?? 0);
  const batch = new Float32Array(n * IMAGE_PIXELS);
  for (let s = 0; s < n; s++) for (let p = 0; p < IMAGE_PIXELS; p++) batch[s * IMAGE_PIXELS + p] = x[p] + sigma * noise[s * IMAGE_PIXELS + p];
  const grads = inputGradients(chain, inputShape, batch, n, t);
  const heatmap = new Float32Array(IMAGE_PIXELS);
  for (let s = 0; s < n; s++) for (let p = 0; p < IMAGE_PIXELS; p++) heatmap[p] += Math.abs(grads[s * IMAGE_PIXELS + p]) / n;
  return { heatmap };
}

/**
 * Integrated gradients from a black image: (x − 0) · ∫₀¹ ∂f/∂x(αx) dα with the trapezoidal rule over `steps`
 * intervals (steps + 1 gradient evaluations in one batch). The map is |attribution|; the signed sum is returned
 * with f(x) − f(0) so callers can check completeness.
 */
export function integratedGradients(chain: readonly ChainLayer[], inputShape: readonly (number | null)[], x: Float32Array, t: Target, opts: MethodOptions = {}): MapResult {
  const m = opts.steps ?? IG_STEPS;
  if (!Number.isInteger(m) || m < 1) throw new ExplainError(`integrated gradients needs a positive whole number of steps, got ${m}`, 'steps');
  const batch = new Float32Array((m + 1) * IMAGE_PIXELS);
  for (let k = 0; k <= m; k++) for (let p = 0; p < IMAGE_PIXELS; p++) batch[k * IMAGE_PIXELS + p] = (k / m) * x[p];
  const grads = inputGradients(chain, inputShape, batch, m + 1, t);
  const attribution = new Float32Array(IMAGE_PIXELS);
  for (let k = 0; k <= m; k++) {
    const w = (k === 0 || k === m ? 0.5 : 1) / m;
    for (let p = 0; p < IMAGE_PIXELS; p++) attribution[p] += w * grads[k * IMAGE_PIXELS + p];
  }
  let attributionSum = 0;
  for (let p = 0; p < IMAGE_PIXELS; p++) {
    attribution[p] *= x[p];
    attributionSum += attribution[p];
  }
  const ends = new Float32Array(2 * IMAGE_PIXELS);
  ends.set(x, 0);
  const scores = tf.tidy(() => targetScore(logitsFrom(chain, asInput(ends, 2, inputShape), 0), t.cls, t.versus).dataSync());
  return { heatmap: abs(attribution), attributionSum, scoreDelta: scores[0] - scores[1] };
}

/** Where a layer's units sit over the image: unit (i, j) is centred on pixel (start + jump·i, start + jump·j). */
export interface GridGeometry { start: number; jump: number }

interface Grid extends GridGeometry { size: number }

type Pair = number | number[];
/** One axis (0 rows, 1 columns) of a Keras size: n or [rows, cols]. */
const along = (v: Pair | undefined | null, axis: number, fallback: number): number => (v === undefined || v === null ? fallback : Array.isArray(v) ? v[axis] ?? v[0] : v);

/** The grid of a layer's output along `axis` from the grid of its (single, or all equal) input. */
function nextGrid(l: ChainLayer, g: Grid, axis: number): Grid {
  const c = l.layer.getConfig() as {
    kernelSize?: Pair; poolSize?: Pair; strides?: Pair; padding?: string | Pair | number[][]; dilationRate?: Pair;
  };
  if (l.className === 'ZeroPadding2D') {
    // Keras's [[top, bottom], [left, right]] (tfjs's config form), [rows, cols] or n.
    const p = c.padding;
    const side = p === undefined || typeof p === 'string' ? 0 : Array.isArray(p) ? p[axis] ?? 0 : p;
    const [before, after] = Array.isArray(side) ? [side[0] ?? 0, side[1] ?? 0] : [side, side];
    return { start: g.start - before * g.jump, jump: g.jump, size: g.size + before + after };
  }
  const window = c.kernelSize ?? c.poolSize;
  if (window === undefined) return g; // activations, normalisation, dropout, noise keep the grid
  const k = (along(window, axis, 1) - 1) * along(c.dilationRate, axis, 1) + 1;
  const s = along(c.strides, axis, along(window, axis, 1));
  let padBefore = 0;
  let out: number;
  if (c.padding === 'same') {
    out = Math.ceil(g.size / s);
    padBefore = Math.floor(Math.max(0, (out - 1) * s + k - g.size) / 2);
  } else {
    out = Math.floor((g.size - k) / s) + 1;
  }
  return { start: g.start + ((k - 1) / 2 - padBefore) * g.jump, jump: g.jump * s, size: out };
}

/**
 * The centre of each unit of layer `upTo`'s output in input-pixel coordinates, from the kernel, stride, dilation and
 * padding of every conv, pooling and zero-padding layer on the way (a 3×3 valid conv shifts the grid by one pixel,
 * a 2×2 pool doubles the step). Stretching the coarse map over the image instead would misplace an 11×11 map by up to
 * three pixels at the edges. `axis` 0 gives the rows, 1 the columns. In a graph the grid follows every path from the input; a merge (Add, Concatenate) of
 * branches whose grids differ has no single placement, and then this returns null (the caller stretches the map).
 */
export function gridGeometry(chain: readonly ChainLayer[], upTo: number, axis = 0): GridGeometry | null {
  const grids: (Grid | null)[] = [];
  const input: Grid = { start: 0, jump: 1, size: IMAGE_SIZE };
  for (let i = 0; i <= upTo; i++) {
    const ins = chain[i].inputs.map((j) => (j === MODEL_INPUT ? input : grids[j]));
    const g0 = ins[0];
    const same = g0 !== null && ins.every((g) => g !== null && g.start === g0.start && g.jump === g0.jump && g.size === g0.size);
    grids.push(same ? nextGrid(chain[i], g0, axis) : null);
  }
  const g = grids[upTo];
  return g ? { start: g.start, jump: g.jump } : null;
}

/**
 * Fallback placement when gridGeometry has none: the coarse map stretched over the image as a bilinear resize does
 * (unit i of n centred on pixel (i + ½)·28/n − ½), which ignores padding and so may be off by a pixel or two.
 */
export function stretchedGeometry(n: number): GridGeometry {
  const jump = IMAGE_SIZE / n;
  return { start: jump / 2 - 0.5, jump };
}

/** Bilinear interpolation of the coarse map at every pixel centre, clamped at the grid's edge units. */
function upsample(values: Float32Array, h: number, w: number, rows: GridGeometry, cols: GridGeometry): Float32Array {
  const out = new Float32Array(IMAGE_PIXELS);
  const coord = (p: number, n: number, { start, jump }: GridGeometry) => Math.min(n - 1, Math.max(0, (p - start) / jump));
  for (let r = 0; r < IMAGE_SIZE; r++) {
    const u = coord(r, h, rows);
    const r0 = Math.min(h - 1, Math.floor(u));
    const r1 = Math.min(h - 1, r0 + 1);
    const fr = u - r0;
    for (let c = 0; c < IMAGE_SIZE; c++) {
      const v = coord(c, w, cols);
      const c0 = Math.min(w - 1, Math.floor(v));
      const c1 = Math.min(w - 1, c0 + 1);
      const fc = v - c0;
      const top = (1 - fc) * values[r0 * w + c0] + fc * values[r0 * w + c1];
      const bottom = (1 - fc) * values[r1 * w + c0] + fc * values[r1 * w + c1];
      out[r * IMAGE_SIZE + c] = Math.max(0, (1 - fr) * top + fr * bottom);
    }
  }
  return out;
}

/**
 * Grad-CAM (Selvaraju et al. 2017): the layer's activations A (h×w×K) weighted by α_k = mean over positions of
 * ∂score/∂A_k, summed over channels, ReLU, then bilinearly interpolated to 28×28 with each unit placed over the
 * centre of its receptive field (gridGeometry). In a graph, ∂score/∂A follows every path from the layer to the scores
 * (a residual block's skip and its convolutions); layers off those paths keep their values for the image.
 */
export function gradCam(chain: readonly ChainLayer[], inputShape: readonly (number | null)[], x: Float32Array, t: Target, opts: MethodOptions = {}): MapResult {
  const li = resolveConvLayer(chain, opts.layer);
  return tf.tidy(() => {
    // A chain needs nothing past the layer; a graph may need the other branches' outputs further on.
    const acts = forwardAll(chain, asInput(x, 1, inputShape), isSequential(chain) ? li + 1 : chain.length - 1);
    const a = acts[li] as tf.Tensor4D;
    const g = tf.grad((act: tf.Tensor) => targetScore(logitsFrom(chain, act, li + 1, acts), t.cls, t.versus).sum())(a);
    const alpha = g.mean([1, 2]); // [1, K]
    const coarse = tf.relu(a.mul(alpha.reshape([1, 1, 1, -1])).sum(-1)) as tf.Tensor3D; // [1, h, w]
    const [, h, w] = coarse.shape;
    const values = Float32Array.from(coarse.dataSync());
    const rows = gridGeometry(chain, li, 0) ?? stretchedGeometry(h);
    const cols = gridGeometry(chain, li, 1) ?? stretchedGeometry(w);
    return { heatmap: upsample(values, h, w, rows, cols), layer: chain[li].name, coarse: { height: h, width: w, values } };
  });
}

export function runMethod(method: ExplainMethod, chain: readonly ChainLayer[], inputShape: readonly (number | null)[], x: Float32Array, t: Target, opts: MethodOptions = {}): MapResult {
  switch (method) {
    case 'gradcam': return gradCam(chain, inputShape, x, t, opts);
    case 'saliency': return saliency(chain, inputShape, x, t);
    case 'smoothgrad': return smoothGrad(chain, inputShape, x, t, opts);
    case 'integrated-gradients': return integratedGradients(chain, inputShape, x, t, opts);
  }
}
