// Which Sequential CNNs the fused CNN training step takes (engine layer): this app's Conv2D (relu, linear or a native
// activation), MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, BatchNormalization, Dropout, Flatten and Dense
// layers, described as the stages fusedCnnTrain.ts runs.
import * as tf from '@tensorflow/tfjs';
import { poolGeometry } from '../backend/kernels/native/pool-geometry.js';
import { NATIVE_ACTIVATIONS } from '../backend/kernels/native/Activation.js';
import { asFusedBatchNorm } from '../models/batchNorm.js';
import { isTrainingDense } from '../models/denseTraining.js';
import { asSeededDropout } from '../models/layerBuilders.js';
import { isFusedGap } from '../models/gapLayer.js';
import { maxPoolFieldsOf } from '../models/poolLayer.js';
import { convLayerView, type Hwc } from './fusedCnnPlan.js';
import { ACT, activationCode, type BatchNormStage, type DropoutStage, type LayerVar } from './fusedMlpPlan.js';

export interface ConvStage {
  kind: 'conv'; in: Hwc; out: Hwc; kernel: LayerVar; bias: LayerVar | null; filterShape: number[];
  strides: [number, number]; pad: 'same' | 'valid';
  /** ACT.relu or ACT.linear (in the convolution's epilogue), or the native activation number of the layer activation after it. */
  act: number;
  /** The layer (its outboundNodes: poolLayer.ts and relu6Pool.ts fuse the pool only for a conv with one consumer). */
  layer: { outboundNodes: unknown[] };
  /** A max pool follows that takes this conv's activation (relu: WorkbenchReluMaxPool; relu6: WorkbenchRelu6MaxPool on z). */
  pooled: boolean;
}
/** A max or average pool; `fused`: the max pool right after a relu or relu6 conv (poolLayer.ts, relu6Pool.ts), else tfjs's. */
export interface PoolStage {
  kind: 'pool'; op: 'max' | 'avg'; in: Hwc; out: Hwc; filterSize: [number, number]; strides: [number, number]; pad: 'same' | 'valid';
  fused: boolean;
}
/** GlobalAveragePooling2D (gapLayer.ts's training kernel: the Mean kernel, its gradient by RealDiv and Tile). */
export interface GapStage { kind: 'gap'; in: Hwc; out: [number] }
/** act: ACT.relu, ACT.linear, ACT.softmax or a native activation number (fusedMlpPlan.ts's activationCode). */
export interface DenseStage { kind: 'dense'; inDim: number; width: number; kernel: LayerVar; bias: LayerVar | null; act: number }
/** Batch norm and dropout as the fused MLP step has them (width: channels; dropout's: elements per sample), with the per-sample shape. */
export type CnnBatchNormStage = BatchNormStage & { out: number[] };
export type CnnDropoutStage = DropoutStage & { out: number[] };
export type CnnTrainStage = ConvStage | PoolStage | GapStage | DenseStage | CnnBatchNormStage | CnnDropoutStage;

interface DenseFields { kernel?: LayerVar | null; bias?: LayerVar | null; units: number; activation?: { getClassName(): string } }

/** The activation as convLayer.ts's training call runs it: relu and linear in the epilogue, else a native layer activation. */
function convActivation(name: string): number | null {
  if (name === 'relu') return ACT.relu;
  if (name === 'linear') return ACT.linear;
  return NATIVE_ACTIVATIONS[name] ?? null;
}

function convStage(layer: tf.layers.Layer, shape: Hwc): ConvStage | null {
  const v = convLayerView(layer, shape);
  const act = convActivation(v?.fields.activation?.getClassName() ?? 'linear');
  if (v == null || act == null) return null;
  const { strides, padding } = v.fields;
  const g = v.geometry;
  return {
    kind: 'conv', in: shape, out: [g[7], g[8], g[6]], kernel: v.kernel, bias: v.bias, filterShape: v.filterShape, strides,
    pad: padding as 'same' | 'valid', act, layer: layer as unknown as { outboundNodes: unknown[] }, pooled: false,
  };
}

interface PoolFields { poolSize: [number, number]; strides: [number, number]; padding: string; dataFormat: string }

function poolStage(layer: tf.layers.Layer, shape: Hwc, fusedWith: ConvStage | null): PoolStage | null {
  const max = maxPoolFieldsOf(layer);
  const f = (max ?? (layer.getClassName() === 'AveragePooling2D' ? layer as unknown as PoolFields : null));
  if (f == null || f.dataFormat !== 'channelsLast' || (f.padding !== 'same' && f.padding !== 'valid')) return null;
  const g = poolGeometry([1, ...shape], f.poolSize, f.strides, f.padding);
  if (g == null) return null;
  // poolLayer.ts fuses a max pool into the relu conv right before it (its marked output), relu6Pool.ts a relu6 conv's.
  // (relu6 only when the pool is the conv's own consumer: handRelu6ToPool looks at the conv's outbound layer.)
  const next = (fusedWith?.layer.outboundNodes[0] as { outboundLayer?: unknown } | undefined)?.outboundLayer;
  const fused = max != null && fusedWith != null && !fusedWith.pooled
    && (fusedWith.act === ACT.relu || (fusedWith.act === NATIVE_ACTIVATIONS.relu6 && next === layer));
  if (fused) fusedWith.pooled = true;
  return { kind: 'pool', op: max ? 'max' : 'avg', in: shape, out: [g[6], g[7], g[3]], filterSize: f.poolSize, strides: f.strides, pad: f.padding, fused };
}

function denseStage(layer: tf.layers.Layer, inDim: number, last: boolean): DenseStage | null {
  if (!isTrainingDense(layer)) return null;
  const f = layer as unknown as DenseFields;
  const kernel = f.kernel?.read();
  const act = activationCode(f.activation, last);
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
 * with this app's Conv2D (undilated, channel-last; relu, linear or a native activation), then such Conv2Ds,
 * MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, BatchNormalization (channel-last), Dropout (seeded),
 * Flatten, Dense (relu, linear or a native activation), and a last Dense softmax with `classes` units, on [h, w, c] input.
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
    else if ((name === 'MaxPooling2D' || name === 'AveragePooling2D') && spatial) stage = poolStage(layer, spatial, prev?.kind === 'conv' ? prev : null);
    else if (name === 'GlobalAveragePooling2D' && spatial && isFusedGap(layer)
      && (layer as unknown as PoolFields).dataFormat === 'channelsLast') stage = { kind: 'gap', in: spatial, out: [spatial[2]] };
    else if (name === 'BatchNormalization') stage = batchNormStage(layer, shape);
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
