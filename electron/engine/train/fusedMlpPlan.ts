// Which models the fused MLP step takes (engine layer): a Sequential chain Flatten → (Dense | Dropout |
// BatchNormalization)* → Dense softmax, built by this app's layer builders, described as the stages fusedMlp.ts runs.
import * as tf from '@tensorflow/tfjs';
import { NATIVE_ACTIVATIONS } from '../backend/kernels/native/Activation.js';
import { fusedActivationFn } from '../models/activations.js';
import { asFusedBatchNorm } from '../models/batchNorm.js';
import { isTrainingDense } from '../models/denseTraining.js';
import { asSeededDropout } from '../models/layerBuilders.js';
import { sizeOf } from './step.js';

/** Activation codes besides the addon's TN_ACT_* numbers (which are ≥ 0). */
export const ACT = { linear: -1, relu: -2, softmax: -3 } as const;
/** tn_act_grad reads y for elu, sigmoid, tanh (Activation.ts's GRAD_FROM_Y), x for the others. */
export const GRAD_FROM_Y = new Set([NATIVE_ACTIVATIONS.elu, NATIVE_ACTIVATIONS.sigmoid, NATIVE_ACTIVATIONS.tanh]);

export interface LayerVar { read(): tf.Variable; write(v: tf.Tensor): unknown }
export interface DenseStage { kind: 'dense'; width: number; kernel: LayerVar; bias: LayerVar | null; inDim: number; act: number }
export interface DropoutStage { kind: 'dropout'; width: number; keep: number; layer: { nextMaskSeed(): string } }
export interface BatchNormStage {
  kind: 'bn'; width: number; gamma: LayerVar; beta: LayerVar; movingMean: LayerVar; movingVariance: LayerVar;
  epsilon: number; momentum: number;
}
export type Stage = DenseStage | DropoutStage | BatchNormStage;

interface DenseFields { kernel?: LayerVar | null; bias?: LayerVar | null; units: number; activation?: { getClassName(): string } }

/** The activation code of a Dense layer's activation, or null when the fused step does not run it. */
export function activationCode(activation: DenseFields['activation'], last: boolean): number | null {
  const name = activation?.getClassName() ?? 'linear';
  if (name === 'relu') return ACT.relu;
  if (name === 'linear') return ACT.linear;
  if (name === 'softmax') return last ? ACT.softmax : null;
  // tfjs's own Elu activation runs the Elu/EluGrad kernels, which are the addon's elu; the others only when
  // fuseActivation installed the native kernel pair (models/activations.ts).
  if (name === 'elu') return NATIVE_ACTIVATIONS.elu;
  return fusedActivationFn(activation);
}

/** The model as the fused step runs it, or null when it is not such a chain (the taped step trains it then). */
export function mlpStages(model: tf.LayersModel, inputShape: readonly number[], numClasses: number): Stage[] | null {
  if (!(model instanceof tf.Sequential)) return null;
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  let width = sizeOf(inputShape);
  if (inputShape.length > 1 && layers[0]?.getClassName() !== 'Flatten') return null;
  const stages: Stage[] = [];
  for (const [i, layer] of layers.entries()) {
    const name = layer.getClassName();
    if (name === 'Flatten' && i === 0) continue;
    if (name === 'Dropout') {
      const d = asSeededDropout(layer);
      if (d == null) return null;
      // A rate outside (0, 1) trains as the identity and draws no mask (SeededDropout.call).
      if (d.maskRate > 0 && d.maskRate < 1) stages.push({ kind: 'dropout', width, keep: Math.fround(1 - d.maskRate), layer: d });
      continue;
    }
    if (name === 'BatchNormalization') {
      const bn = asFusedBatchNorm(layer);
      if (bn == null) return null;
      const v = (lv: tf.LayerVariable) => lv as unknown as LayerVar; // read() is the tf.Variable itself
      stages.push({ kind: 'bn', width, gamma: v(bn.gamma!), beta: v(bn.beta!), movingMean: v(bn.movingMean), movingVariance: v(bn.movingVariance),
        epsilon: bn.epsilon, momentum: bn.momentum });
      continue;
    }
    if (name !== 'Dense' || !isTrainingDense(layer)) return null;
    const f = layer as unknown as DenseFields;
    const kernel = f.kernel?.read();
    const act = activationCode(f.activation, i === layers.length - 1);
    if (kernel == null || kernel.shape.length !== 2 || kernel.shape[0] !== width || act == null) return null;
    stages.push({ kind: 'dense', kernel: f.kernel!, bias: f.bias ?? null, inDim: width, width: f.units, act });
    width = f.units;
  }
  const end = stages.at(-1);
  if (end?.kind !== 'dense' || end.act !== ACT.softmax || end.width !== numClasses) return null;
  return stages;
}

/** A stage's trainable variables in the order [kernel or gamma, bias or beta]. */
export function stageVariables(s: Stage): [tf.Variable, tf.Variable | null] | null {
  if (s.kind === 'dense') return [s.kernel.read(), s.bias?.read() ?? null];
  if (s.kind === 'bn') return [s.gamma.read(), s.beta.read()];
  return null;
}
