// tfjs's optimizers with the update done by one native call per step (wasm backend with the native kernels), else tfjs's own.
import * as tf from '@tensorflow/tfjs';
import { fusedOptimizerStep, OPTIM, type FusedItem } from '../backend/native/optimizer.js';

/*
 * Each class keeps its tfjs parent's state (the same variables, names and order), so getWeights/setWeights,
 * dispose, the learning-rate fields the schedules set and a fall back to the parent's update all keep working.
 * The native update runs the parent's float32 operations in the parent's order (native/src/optim.c), so the
 * numbers are the parent's; tests/engine/train/fusedOptimizers.test.ts checks it.
 */

type StateList = Array<{ originalName: string; variable: tf.Variable } | undefined>;
type NamedTensor = { name: string; tensor: tf.Tensor };
type Grads = Parameters<tf.Optimizer['applyGradients']>[0];

/** Names and gradients in the order tfjs's optimizers walk them (state slot i belongs to entry i). */
function entries(grads: Grads): Array<{ name: string; g: tf.Tensor | null }> {
  return Array.isArray(grads)
    ? (grads as NamedTensor[]).map((e) => ({ name: e.name, g: e.tensor ?? null }))
    : Object.keys(grads).map((name) => ({ name, g: (grads as Record<string, tf.Tensor | undefined>)[name] ?? null }));
}

function variable(name: string): tf.Variable {
  return tf.engine().registeredVariables[name];
}

/** Creates state slot i as the parent would (zeros shaped like the variable, not trainable). */
function ensure(list: StateList, i: number, name: string, suffix: string): tf.Variable {
  if (list[i] == null) {
    const value = variable(name);
    list[i] = { originalName: `${name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
  }
  return list[i]!.variable;
}

const f32 = Math.fround;

interface AdamFields {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: StateList;
  accumulatedSecondMoment: StateList;
}

/** An optimizer step run by its caller: see FusedAdam.nativeStep. */
export interface NativeStep {
  kind: number;
  h: number[];
  /** Per variable name, its state variables (Adam: m, v). */
  state: Map<string, readonly [tf.Variable, tf.Variable]>;
  commit(): void;
}

export class FusedAdam extends tf.AdamOptimizer {
  /** beta1^t, beta2^t as float32, as the parent's accBeta variables hold them; null: read those. */
  private acc: [number, number] | null = null;
  /** The variables lag `acc` (native steps since): written back before the parent runs. */
  private accAhead = false;

  override applyGradients(grads: Grads): void {
    const s = this as unknown as AdamFields;
    const list = entries(grads);
    const items: FusedItem[] = [];
    list.forEach(({ name, g }, i) => {
      const m = ensure(s.accumulatedFirstMoment, i, name, 'm');
      const v = ensure(s.accumulatedSecondMoment, i, name, 'v');
      if (g != null) items.push({ w: variable(name), g, s1: m, s2: v });
    });
    if (tf.getBackend() === 'webgpu') return super.applyGradients(grads as never); // no fused update, no dataSync there
    if (fusedOptimizerStep(OPTIM.adam, this.hyper(), items)) {
      this.advance();
      return;
    }
    this.syncAcc();
    super.applyGradients(grads as never);
    this.acc = null;
  }

  /** This step's native hyperparameters (tn_optim's Adam h: b1, 1-b1, b2, 1-b2, 1-b1^t, 1-b2^t, eps, -lr). */
  private hyper(): number[] {
    const s = this as unknown as AdamFields;
    this.acc ??= [s.accBeta1.dataSync()[0], s.accBeta2.dataSync()[0]];
    const [a1, a2] = this.acc;
    return [s.beta1, 1 - s.beta1, s.beta2, 1 - s.beta2, f32(1 - a1), f32(1 - a2), s.epsilon, -s.learningRate];
  }

  /** After a native update of every variable: beta powers and the iteration count move on as the parent's do. */
  private advance(): void {
    const s = this as unknown as AdamFields;
    const [a1, a2] = this.acc!;
    this.acc = [f32(a1 * f32(s.beta1)), f32(a2 * f32(s.beta2))];
    this.accAhead = true;
    this.incrementIterations();
  }

  /**
   * For a caller that runs the update itself (the fused MLP step runs it inside its weight-gradient GEMMs): the state
   * slots of `names` (in the order applyGradients would get them, created as it would), this step's hyperparameters,
   * and `commit`, to call once every variable has been updated. Null on another backend than wasm.
   */
  nativeStep(names: readonly string[]): NativeStep | null {
    if (tf.getBackend() !== 'wasm') return null;
    const s = this as unknown as AdamFields;
    const state = new Map<string, readonly [tf.Variable, tf.Variable]>();
    names.forEach((name, i) => state.set(name, [ensure(s.accumulatedFirstMoment, i, name, 'm'), ensure(s.accumulatedSecondMoment, i, name, 'v')]));
    return { kind: OPTIM.adam, h: this.hyper(), state, commit: () => this.advance() };
  }

  private syncAcc(): void {
    if (!this.accAhead || this.acc == null) return;
    const s = this as unknown as AdamFields;
    tf.tidy(() => {
      s.accBeta1.assign(tf.scalar(this.acc![0]));
      s.accBeta2.assign(tf.scalar(this.acc![1]));
    });
    this.accAhead = false;
  }

  override async setWeights(weights: NamedTensor[]): Promise<void> {
    await super.setWeights(weights);
    this.acc = null;
    this.accAhead = false;
  }
}

interface MomentumFields {
  learningRate: number;
  momentum: number;
  useNesterov: boolean;
  accumulations: StateList;
}

export class FusedMomentum extends tf.MomentumOptimizer {
  override applyGradients(grads: Grads): void {
    const s = this as unknown as MomentumFields;
    const items: FusedItem[] = [];
    entries(grads).forEach(({ name, g }, i) => {
      const a = ensure(s.accumulations, i, name, 'momentum');
      if (g != null) items.push({ w: variable(name), g, s1: a });
    });
    if (!s.useNesterov && fusedOptimizerStep(OPTIM.momentum, [s.momentum, -s.learningRate], items)) {
      this.incrementIterations();
      return;
    }
    super.applyGradients(grads as never);
  }
}

export class FusedSGD extends tf.SGDOptimizer {
  override applyGradients(grads: Grads): void {
    const items: FusedItem[] = entries(grads).flatMap(({ name, g }) => (g == null ? [] : [{ w: variable(name), g }]));
    if (fusedOptimizerStep(OPTIM.sgd, [0, -this.learningRate], items)) {
      this.incrementIterations();
      return;
    }
    super.applyGradients(grads as never);
  }
}

interface RMSPropFields {
  learningRate: number;
  decay: number;
  momentum: number;
  epsilon: number;
  centered: boolean;
  accumulatedMeanSquares: StateList;
  accumulatedMoments: StateList;
}

export class FusedRMSProp extends tf.RMSPropOptimizer {
  override applyGradients(grads: Grads): void {
    const s = this as unknown as RMSPropFields;
    if (!s.centered) {
      const items: FusedItem[] = [];
      entries(grads).forEach(({ name, g }, i) => {
        const ms = ensure(s.accumulatedMeanSquares, i, name, 'rms');
        const mo = ensure(s.accumulatedMoments, i, name, 'momentum');
        if (g != null) items.push({ w: variable(name), g, s1: ms, s2: mo });
      });
      if (fusedOptimizerStep(OPTIM.rmsprop, [s.decay, 1 - s.decay, s.momentum, s.learningRate, s.epsilon], items)) {
        this.incrementIterations();
        return;
      }
    }
    super.applyGradients(grads as never);
  }
}
