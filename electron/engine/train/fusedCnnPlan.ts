// Which Sequential CNNs the fused inference takes (engine layer): the layers described as the native calls model.apply
// makes for them in inference, and where a convolution can skip the rows/columns no later layer reads.
import * as tf from '@tensorflow/tfjs';
import { convGeometry } from '../backend/kernels/native/conv-geometry.js';
import { fusedActivationPlan } from '../backend/kernels/native/heap.js';
import { poolGeometry } from '../backend/kernels/native/pool-geometry.js';
import { fusedActivationFn } from '../models/activations.js';
import { isFusedConv2d } from '../models/convLayer.js';
import { isTrainingDense } from '../models/denseTraining.js';
import { activationCode, type LayerVar } from './fusedMlpPlan.js';

/** Per-sample height, width, channels. */
export type Hwc = [number, number, number];

export interface ConvStage {
  kind: 'conv'; in: Hwc; out: Hwc; filter: LayerVar; bias: LayerVar | null;
  /** convGeometry for one image: [1,h,w,c,kh,kw,co,oh,ow,sh,sw,pt,pl]. */
  geometry: number[];
  /** FusedConv2D's epilogue (0 linear, 1 relu) and the activation pass after it (elu through the fused op, or the
   *  layer's native activation), or null. */
  epilogue: number; post: number | null;
  /** Output rows/columns the layers after it read (the top-left corner), when fewer than out[0] × out[1]. */
  trim: [number, number] | null;
}
export interface BatchNormStage { kind: 'bn'; in: Hwc; gamma: LayerVar; beta: LayerVar; movingMean: LayerVar; movingVariance: LayerVar; epsilon: number }
export interface PoolStage { kind: 'max' | 'avg'; in: Hwc; out: Hwc; geometry: number[] }
export interface MeanStage { kind: 'gap'; in: Hwc; width: number }
export interface DenseStage { kind: 'dense'; kernel: LayerVar; bias: LayerVar | null; inDim: number; width: number; act: number }
export type CnnStage = ConvStage | BatchNormStage | PoolStage | MeanStage | DenseStage;

/** Layers that are the identity in inference (SeededDropout, SpatialDropout2D, GaussianNoise: tfjs's call without training). */
const IDENTITY = new Set(['Dropout', 'SpatialDropout2D', 'GaussianNoise']);

interface ConvFields {
  kernel?: LayerVar | null; bias?: LayerVar | null; strides: [number, number]; padding: string; dataFormat: string;
  dilationRate: number | number[]; activation?: { getClassName(): string }; rank?: number;
}
interface PoolFields { poolSize: [number, number]; strides: [number, number]; padding: string; dataFormat: string }
interface BnFields { axis: number; epsilon: number; gamma?: LayerVar; beta?: LayerVar; movingMean: LayerVar; movingVariance: LayerVar }
interface DenseFields { kernel?: LayerVar | null; bias?: LayerVar | null; units: number; activation?: { getClassName(): string } }

function conv(layer: tf.layers.Layer, shape: Hwc): ConvStage | null {
  if (!isFusedConv2d(layer)) return null;
  const f = layer as unknown as ConvFields;
  const rate = typeof f.dilationRate === 'number' ? [f.dilationRate] : f.dilationRate;
  if (f.dataFormat !== 'channelsLast' || !rate.every((d) => d === 1) || (f.padding !== 'same' && f.padding !== 'valid')) return null;
  const filter = f.kernel?.read();
  if (filter == null || filter.dtype !== 'float32' || filter.shape.length !== 4 || filter.shape[2] !== shape[2]) return null;
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
  const g = convGeometry([1, ...shape], filter.shape, f.strides, f.padding, 1, 'NHWC');
  if (g == null) return null;
  const bias = f.bias ?? null;
  if (bias && bias.read().size !== g[6]) return null;
  return { kind: 'conv', in: shape, out: [g[7], g[8], g[6]], filter: f.kernel!, bias, geometry: g, epilogue, post, trim: null };
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
  planTrims(stages);
  return stages;
}

/**
 * A 'valid' pooling reads rows (oh − 1)·sh + ph and columns (ow − 1)·sw + pw of its input: where that is less than the
 * input, the convolution producing it (through per-pixel layers only: its activation, batch norm) computes only those
 * top-left rows/columns: a smaller oh/ow with the same top/left padding gives the same outputs there. 1×1 stride-1
 * convolutions are left whole (the native pointwise path needs the output the input's size).
 */
function planTrims(stages: CnnStage[]): void {
  stages.forEach((s, i) => {
    if ((s.kind !== 'max' && s.kind !== 'avg') || s.geometry[10] !== 0 || s.geometry[11] !== 0) return;
    const [, h, w, , ph, pw, oh, ow, sh, sw] = s.geometry;
    const rows = (oh - 1) * sh + ph, cols = (ow - 1) * sw + pw;
    if (rows >= h && cols >= w) return;
    let j = i - 1;
    while (j >= 0 && stages[j].kind === 'bn') j--;
    const c = stages[j];
    if (c?.kind !== 'conv') return;
    const g = c.geometry;
    if (g[4] === 1 && g[5] === 1 && g[9] === 1 && g[10] === 1) return;
    c.trim = [Math.min(rows, h), Math.min(cols, w)];
  });
}
