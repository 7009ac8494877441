// Which Sequential CNNs the fused inference takes (engine layer): the layers described as the native calls model.apply
// makes for them in inference, and where a convolution can skip the rows/columns no later layer reads.
import * as tf from '@tensorflow/tfjs';
import { convGeometry } from '../backend/kernels/native/conv-geometry.js';
import { fusedActivationPlan } from '../backend/kernels/native/heap.js';
import { poolGeometry } from '../backend/kernels/native/pool-geometry.js';
import { fusedActivationFn } from '../models/activations.js';
import { isFusedConv2d } from '../models/convLayer.js';
import { isTrainingDense } from '../models/denseTraining.js';
import { activationCode, type LayerVar, type DenseStage } from './fusedMlpPlan.js';

/** Per-sample height, width, channels. */
export type Hwc = [number, number, number];

export interface ConvStage {
  kind: 'conv'; in: Hwc; out: Hwc; filter: LayerVar; bias: LayerVar | null;
  /** convGeometry for one image: [1,h,w,c,kh,kw,co,oh,ow,sh,sw,pt,pl]. */
  geometry: number[];
  /** FusedConv2D's epilogue (0 linear, 1 relu) and the activation pass after it (elu through the fused op, or the
   *  layer's native activation), or null. */
  epilogue: number; post: number | null;
}
export interface BatchNormStage { kind: 'bn'; in: Hwc; gamma: LayerVar; beta: LayerVar; movingMean: LayerVar; movingVariance: LayerVar; epsilon: number }
export interface PoolStage { kind: 'max' | 'avg'; in: Hwc; out: Hwc; geometry: number[] }
export interface MeanStage { kind: 'gap'; in: Hwc; width: number }
export type { DenseStage };
export type CnnStage = ConvStage | BatchNormStage | PoolStage | MeanStage | DenseStage;

/** Layers that are the identity in inference (SeededDropout, SpatialDropout2D, GaussianNoise: tfjs's call without training). */
const IDENTITY = new Set(['Dropout', 'SpatialDropout2D', 'GaussianNoise']);

export interface ConvFields {
  kernel?: LayerVar | null; bias?: LayerVar | null; strides: [number, number]; padding: string; dataFormat: string;
  dilationRate: number | number[]; activation?: { getClassName(): string }; rank?: number;
}
interface PoolFields { poolSize: [number, number]; strides: [number, number]; padding: string; dataFormat: string }
interface BnFields { axis: number; epsilon: number; gamma?: LayerVar; beta?: LayerVar; movingMean: LayerVar; movingVariance: LayerVar }
interface DenseFields { kernel?: LayerVar | null; bias?: LayerVar | null; units: number; activation?: { getClassName(): string } }

/** A Conv2D layer of this app as the fused paths read it: its fields, weights and one image's geometry. */
export interface ConvLayerView {
  fields: ConvFields; kernel: LayerVar; bias: LayerVar | null; filterShape: number[];
  /** convGeometry for one image: [1,h,w,c,kh,kw,co,oh,ow,sh,sw,pt,pl]. */
  geometry: number[];
}

/**
 * The Conv2D `layer` on [h, w, c] input as the fused paths (inference here, training in fusedCnnTrain.ts) run it, or
 * null when it is not one of this app's fused Conv2Ds, channel-last, undilated, 'same'/'valid', with a float32 filter
 * matching the input's channels and a bias of one value per output channel.
 */
export function convLayerView(layer: tf.layers.Layer, shape: Hwc): ConvLayerView | null {
  if (!isFusedConv2d(layer)) return null;
  const f = layer as unknown as ConvFields;
  const rate = typeof f.dilationRate === 'number' ? [f.dilationRate] : f.dilationRate;
  if (f.dataFormat !== 'channelsLast' || !rate.every((d) => d === 1) || (f.padding !== 'same' && f.padding !== 'valid')) return null;
  const filter = f.kernel?.read();
  if (filter == null || filter.dtype !== 'float32' || filter.shape.length !== 4 || filter.shape[2] !== shape[2]) return null;
  const g = convGeometry([1, ...shape], filter.shape, f.strides, f.padding, 1, 'NHWC');
  if (g == null) return null;
  const bias = f.bias ?? null;
  if (bias && bias.read().size !== g[6]) return null;
  return { fields: f, kernel: f.kernel!, bias, filterShape: [...filter.shape], geometry: g };
}

function conv(layer: tf.layers.Layer, shape: Hwc): ConvStage | null {
  const v = convLayerView(layer, shape);
  if (v == null) return null;
  const f = v.fields;
  // Conv.call: relu, linear and elu go into tf.fused.conv2d (FusedConv2D), anything else is a linear FusedConv2D and
  // then the layer's activation, which must be the native one fuseActivation installed.
  const name = f.activation?.getClassName() ?? 'linear';
  let epilogue: number, post: number | null;
  if (name === 'relu' || name === 'linear' || name === 'elu') {
    const p = fusedActivationPlan(name);
    if (p == null) return null;
    ({ epilogue, post } = p);
  } else {
    const fn = fusedActivationFn(f.activation);
    if (fn == null) return null;
    [epilogue, post] = [0, fn];
  }
  const g = v.geometry;
  return { kind: 'conv', in: shape, out: [g[7], g[8], g[6]], filter: v.kernel, bias: v.bias, geometry: g, epilogue, post };
}

function pool(layer: tf.layers.Layer, kind: 'max' | 'avg', shape: Hwc): PoolStage | null {
  const f = layer as unknown as PoolFields;
  if (f.dataFormat !== 'channelsLast' || (f.padding !== 'same' && f.padding !== 'valid')) return null;
  const g = poolGeometry([1, ...shape], f.poolSize, f.strides, f.padding);
  return g == null ? null : { kind, in: shape, out: [g[6], g[7], g[3]], geometry: g };
}

function batchNorm(layer: tf.layers.Layer, shape: Hwc | number): BatchNormStage | null {
  const f = layer as unknown as BnFields;
  const rank = typeof shape === 'number' ? 2 : 4;
  if (f.gamma == null || f.beta == null || (f.axis !== -1 && f.axis !== rank - 1)) return null;
  const hwc: Hwc = typeof shape === 'number' ? [1, 1, shape] : shape;
  return { kind: 'bn', in: hwc, gamma: f.gamma, beta: f.beta, movingMean: f.movingMean, movingVariance: f.movingVariance, epsilon: f.epsilon };
}

/**
 * The model as fusedCnnInfer.ts runs it, or null when some layer is not covered (model.apply then): a Sequential of
 * this app's Conv2D (undilated, channel-last), MaxPooling2D / AveragePooling2D, BatchNormalization, identity layers,
 * GlobalAveragePooling2D, Flatten and Dense, ending in a Dense softmax with `classes` units, on [h, w, c] input.
 */
export function cnnStages(model: tf.LayersModel, inputShape: readonly number[], classes: number): CnnStage[] | null {
  if (!(model instanceof tf.Sequential) || inputShape.length !== 3) return null;
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  let shape: Hwc | number = [inputShape[0], inputShape[1], inputShape[2]];
  const stages: CnnStage[] = [];
  let convs = 0;
  for (const [i, layer] of layers.entries()) {
    const name = layer.getClassName();
    const spatial: Hwc | null = typeof shape !== 'number' ? shape : null;
    let stage: CnnStage | null = null;
    if (IDENTITY.has(name)) continue;
    if (name === 'Flatten') {
      if (spatial) shape = spatial[0] * spatial[1] * spatial[2];
      continue;
    }
    if (name === 'Conv2D' && spatial) stage = conv(layer, spatial);
    else if (name === 'MaxPooling2D' && spatial) stage = pool(layer, 'max', spatial);
    else if (name === 'AveragePooling2D' && spatial) stage = pool(layer, 'avg', spatial);
    else if (name === 'GlobalAveragePooling2D' && spatial) stage = { kind: 'gap', in: spatial, width: spatial[2] };
    else if (name === 'BatchNormalization') stage = batchNorm(layer, shape);
    else if (name === 'Dense' && typeof shape === 'number' && isTrainingDense(layer)) {
      const f = layer as unknown as DenseFields;
      const kernel = f.kernel?.read();
      const act = activationCode(f.activation, i === layers.length - 1);
      if (kernel != null && kernel.shape.length === 2 && kernel.shape[0] === shape && act != null) {
        stage = { kind: 'dense', kernel: f.kernel!, bias: f.bias ?? null, inDim: shape, width: f.units, act };
      }
    }
    if (stage == null) return null;
    stages.push(stage);
    if (stage.kind === 'conv') convs++;
    if (stage.kind === 'conv' || stage.kind === 'max' || stage.kind === 'avg') shape = stage.out;
    else if (stage.kind === 'gap') shape = stage.width;
    else if (stage.kind === 'dense') shape = stage.width;
  }
  const end = stages.at(-1);
  if (convs === 0 || end?.kind !== 'dense' || end.act !== -3 || end.width !== classes) return null;
  return stages;
}

/** Whether a 3×3 stride-1 convolution of n images to oh × ow takes Winograd (winograd.c: at least 32 output tiles);
 *  null for the shapes it never takes. */
function winograd(g: number[], n: number, oh: number, ow: number): boolean | null {
  if (g[4] !== 3 || g[5] !== 3 || g[9] !== 1 || g[10] !== 1) return null;
  return n * Math.ceil(oh / 2) * Math.ceil(ow / 2) >= 32;
}

/**
 * Per stage, the output rows and columns computed for a chunk of n images ([0, 0] for the flat stages): only the
 * top-left corner the layers after it read. Walking back from the first flat stage (Flatten, Dense and global pooling
 * read everything), a window op (convolution or pooling, any padding) whose outputs r < R are read needs input rows
 * up to (R − 1)·s − pad_top + k; batch norm passes the region through. A smaller oh/ow (and input h/w) with the same
 * top/left padding computes the same outputs there on every native path, except that it could move a 3×3 stride-1
 * convolution across Winograd's tile threshold: such a convolution is computed whole. A 1×1 stride-1 convolution is
 * trimmed only together with its input (native/src/conv.c takes its pointwise path only where oh = h and ow = w).
 */
export function computedExtents(stages: CnnStage[], n: number): Array<[number, number]> {
  const whole = new Set<number>();
  for (;;) {
    const ext = extents(stages, n, whole);
    let again = false;
    let [h, w] = (stages[0] as { in: Hwc }).in;
    stages.forEach((s, i) => {
      if (s.kind === 'conv' && pointwise(s.geometry) && (ext[i][0] !== h || ext[i][1] !== w) && !whole.has(i)) {
        whole.add(i);
        again = true;
      }
      if (s.kind === 'conv' || s.kind === 'max' || s.kind === 'avg') [h, w] = ext[i];
    });
    if (!again) return ext;
  }
}

const pointwise = (g: number[]) => g[4] === 1 && g[5] === 1 && g[9] === 1 && g[10] === 1;

/** computedExtents's walk back, with the convolutions in `whole` computed whole. */
function extents(stages: CnnStage[], n: number, whole: Set<number>): Array<[number, number]> {
  const ext: Array<[number, number]> = stages.map(() => [0, 0]);
  let need = null as [number, number] | null;
  for (let i = stages.length - 1; i >= 0; i--) {
    const s = stages[i];
    if (s.kind === 'dense' || s.kind === 'gap') {
      need = null;
      continue;
    }
    const full: [number, number] = s.kind === 'bn' ? [s.in[0], s.in[1]] : [s.out[0], s.out[1]];
    let [r, c]: [number, number] = need ? [Math.min(need[0], full[0]), Math.min(need[1], full[1])] : full;
    if (s.kind === 'bn') {
      ext[i] = [r, c];
      need = [r, c];
      continue;
    }
    const g = s.geometry;
    if (s.kind === 'conv' && (whole.has(i) || winograd(g, n, r, c) !== winograd(g, n, full[0], full[1]))) [r, c] = full;
    ext[i] = [r, c];
    // conv: [.., h, w, .., kh, kw, .., sh, sw, pt, pl] at 1, 2, 4, 5, 9–12; pool: [.., h, w, .., ph, pw, .., sh, sw, pt, pl] at 1, 2, 4, 5, 8–11.
    const [sh, sw, pt, pl] = s.kind === 'conv' ? g.slice(9, 13) : g.slice(8, 12);
    need = [Math.max(1, Math.min(g[1], (r - 1) * sh - pt + g[4])), Math.max(1, Math.min(g[2], (c - 1) * sw - pl + g[5]))];
  }
  return ext;
}
