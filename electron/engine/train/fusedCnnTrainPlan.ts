// Which Sequential CNNs the fused CNN training step takes (engine layer): this app's Conv2D relu, MaxPooling2D,
// BatchNormalization, Dropout, Flatten and Dense layers, described as the stages fusedCnnTrain.ts runs.
import * as tf from '@tensorflow/tfjs';
import { poolGeometry } from '../backend/kernels/native/pool-geometry.js';
import { asFusedBatchNorm } from '../models/batchNorm.js';
import { isTrainingDense } from '../models/denseTraining.js';
import { asSeededDropout } from '../models/layerBuilders.js';
import { maxPoolFieldsOf } from '../models/poolLayer.js';
import { convLayerView, type Hwc } from './fusedCnnPlan.js';
import { ACT, type BatchNormStage, type DropoutStage, type LayerVar } from './fusedMlpPlan.js';

export interface ConvStage {
  kind: 'conv'; in: Hwc; out: Hwc; kernel: LayerVar; bias: LayerVar | null; filterShape: number[];
  strides: [number, number]; pad: 'same' | 'valid';
  /** The layer (its outboundNodes: poolLayer.ts fuses the pool only for a conv with one consumer). */
  layer: { outboundNodes: unknown[] };
  /** A max pool follows (the fused relu + max pool pair). */
  pooled: boolean;
}
/** A max pool; `fused`: right after a relu conv, the pair poolLayer.ts runs as WorkbenchReluMaxPool (else tfjs's MaxPool). */
export interface PoolStage { kind: 'pool'; in: Hwc; out: Hwc; filterSize: [number, number]; strides: [number, number]; pad: 'same' | 'valid'; fused: boolean }
export interface DenseStage { kind: 'dense'; inDim: number; width: number; kernel: LayerVar; bias: LayerVar | null; act: number }
/** Batch norm and dropout as the fused MLP step has them (width: channels; dropout's: elements per sample), with the per-sample shape. */
export type CnnBatchNormStage = BatchNormStage & { out: number[] };
export type CnnDropoutStage = DropoutStage & { out: number[] };
export type CnnTrainStage = ConvStage | PoolStage | DenseStage | CnnBatchNormStage | CnnDropoutStage;

interface DenseFields { kernel?: LayerVar | null; bias?: LayerVar | null; units: number; activation?: { getClassName(): string } }

function convStage(layer: tf.layers.Layer, shape: Hwc): ConvStage | null {
  const v = convLayerView(layer, shape);
  if (v == null || v.fields.activation?.getClassName() !== 'relu') return null;
  const { strides, padding } = v.fields;
  const g = v.geometry;
  return {
    kind: 'conv', in: shape, out: [g[7], g[8], g[6]], kernel: v.kernel, bias: v.bias, filterShape: v.filterShape, strides,
    pad: padding as 'same' | 'valid', layer: layer as unknown as { outboundNodes: unknown[] }, pooled: false,
  };
}

function poolStage(layer: tf.layers.Layer, shape: Hwc, fused: boolean): PoolStage | null {
  const f = maxPoolFieldsOf(layer);
  if (f == null || f.dataFormat !== 'channelsLast' || (f.padding !== 'same' && f.padding !== 'valid')) return null;
  const g = poolGeometry([1, ...shape], f.poolSize, f.strides, f.padding);
  return g == null ? null : { kind: 'pool', in: shape, out: [g[6], g[7], g[3]], filterSize: f.poolSize, strides: f.strides, pad: f.padding, fused };
}

function denseStage(layer: tf.layers.Layer, inDim: number, last: boolean): DenseStage | null {
  if (!isTrainingDense(layer)) return null;
  const f = layer as unknown as DenseFields;
  const kernel = f.kernel?.read();
  const a = f.activation?.getClassName() ?? 'linear';
  const act = a === 'relu' ? ACT.relu : a === 'linear' ? ACT.linear : a === 'softmax' && last ? ACT.softmax : null;
  const bias = f.bias ?? null;
  if (kernel == null || kernel.dtype !== 'float32' || kernel.shape.length !== 2 || kernel.shape[0] !== inDim || act == null
    || (bias != null && bias.read().size !== f.units)) return null;
  return { kind: 'dense', kernel: f.kernel!, bias, inDim, width: f.units, act };
}

/** Batch norm over the last axis of a per-sample `shape` (models/batchNorm.ts's fused training for channel-last input). */
function batchNormStage(layer: tf.layers.Layer, shape: number[]): CnnBatchNormStage | null {
  const bn = asFusedBatchNorm(layer, shape.length + 1);
  if (bn == null) return null;
  const v = (lv: tf.LayerVariable) => lv as unknown as LayerVar; // read() is the tf.Variable itself
  return {
    kind: 'bn', width: shape[shape.length - 1], out: shape, gamma: v(bn.gamma!), beta: v(bn.beta!), movingMean: v(bn.movingMean),
    movingVariance: v(bn.movingVariance), epsilon: bn.epsilon, momentum: bn.momentum,
  };
}

/** The per-sample shape of a stage's output. */
export function stageShape(s: CnnTrainStage): number[] {
  return s.kind === 'dense' ? [s.width] : s.out;
}

/**
 * The model as the fused CNN step runs it, or null when some layer is outside its vocabulary: a Sequential starting
 * with this app's Conv2D (relu, undilated, channel-last), then Conv2D, MaxPooling2D, BatchNormalization (channel-last),
 * Dropout (seeded), Flatten, Dense (relu or linear), and a last Dense softmax with `classes` units, on [h, w, c] input.
 */
export function cnnTrainStages(model: tf.LayersModel, inputShape: readonly number[], classes: number): CnnTrainStage[] | null {
  if (!(model instanceof tf.Sequential) || inputShape.length !== 3) return null;
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  let shape: number[] = [...inputShape];
  const stages: CnnTrainStage[] = [];
  for (const [i, layer] of layers.entries()) {
    const name = layer.getClassName();
    const spatial = shape.length === 3 ? shape as Hwc : null;
    const prev = stages.at(-1);
    let stage: CnnTrainStage | null = null;
    if (name === 'Flatten') {
      if (spatial == null) return null;
      shape = [spatial[0] * spatial[1] * spatial[2]];
      continue;
    }
    if (name === 'Dropout') {
      const d = asSeededDropout(layer);
      if (d == null) return null;
      // A rate outside (0, 1) trains as the identity and draws no mask (SeededDropout.call).
      const width = shape.reduce((a, b) => a * b, 1);
      if (d.maskRate > 0 && d.maskRate < 1) stages.push({ kind: 'dropout', width, out: shape, keep: Math.fround(1 - d.maskRate), layer: d });
      continue;
    }
    if (name === 'Conv2D' && spatial) stage = convStage(layer, spatial);
    else if (name === 'MaxPooling2D' && spatial) {
      // poolLayer.ts fuses the pool into the relu conv right before it (its marked output); anything else pools tfjs's way.
      const fused = prev?.kind === 'conv' && !prev.pooled;
      stage = poolStage(layer, spatial, fused);
      if (stage && fused) prev.pooled = true;
    } else if (name === 'BatchNormalization') stage = batchNormStage(layer, shape);
    else if (name === 'Dense' && shape.length === 1) stage = denseStage(layer, shape[0], i === layers.length - 1);
    if (stage == null) return null;
    stages.push(stage);
    shape = stageShape(stage);
  }
  const end = stages.at(-1);
  if (stages[0]?.kind !== 'conv' || end?.kind !== 'dense' || end.act !== ACT.softmax || end.width !== classes) return null;
  return stages;
}

/** A stage's trainable variables [kernel or gamma, bias or beta], or null for a pool or dropout. */
export function stageVariables(s: CnnTrainStage): [tf.Variable, tf.Variable | null] | null {
  if (s.kind === 'conv' || s.kind === 'dense') return [s.kernel.read(), s.bias?.read() ?? null];
  if (s.kind === 'bn') return [s.gamma.read(), s.beta.read()];
  return null;
}
