// Engine/train: what the training loop saves after every epoch and restores on resume, so a resumed run continues
// with exactly the numbers the uninterrupted run would have: model weights (moving statistics included), the
// optimizer's state (moments, iteration count, Adam's β powers as the fused step holds them), the augmentation
// generator's position, each layer's random step counter (seeded Dropout), early stopping's counters and best weights.
// The epoch order needs nothing: it is drawn from (seed, epoch) afresh every epoch.
import * as tf from '@tensorflow/tfjs';
import type { EpochSummary } from '../../../shared/run.js';
import {
  encodeCheckpoint, readCheckpoint, writeCheckpoint, type CheckpointState, type CheckpointTensor,
} from '../runs/checkpoint.js';
import type { EarlyStopper } from './earlyStopping.js';
import type { PlateauRule } from '../../../shared/plateau.js';
import { TrainingError } from './errors.js';

/** A generator that counts its draws, so a resume can bring a fresh one to the same position. */
export interface CountedRng {
  (): number;
  calls(): number;
  /** Draws and drops n values. */
  skip(n: number): void;
}

export function countedRng(rng: () => number): CountedRng {
  let calls = 0;
  const next = (() => {
    calls++;
    return rng();
  }) as CountedRng;
  next.calls = () => calls;
  next.skip = (n: number) => {
    for (let i = 0; i < n; i++) rng();
    calls += n;
  };
  return next;
}

/** The loop's state at the end of an epoch. */
export interface LoopState {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  stopper: EarlyStopper | null;
  stopped: boolean;
  augRng: CountedRng;
  /** Early stopping's best weights (restoreBestWeights), if it holds any. */
  esBest: tf.Tensor[] | null;
  trainSeconds: number;
  avgEpochSeconds: number;
  bestValAccuracy: number;
  /** The plateau schedule's rule, when the run uses it. */
  plateau?: PlateauRule | null;
}

type Group = CheckpointTensor['group'];
type Entry = { group: Group; name: string; shape: number[]; data: Float32Array | Int32Array };

/** Reads a tensor asynchronously: a GPU backend in Node has no synchronous readback. */
const toEntry = async (group: Group, name: string, t: tf.Tensor): Promise<Entry> => {
  const data = await t.data();
  return { group, name, shape: [...t.shape], data: data instanceof Int32Array ? new Int32Array(data) : new Float32Array(data as Float32Array) };
};

/** A layer's random step counter: seeded Dropout's `steps` (any layer with a numeric `steps` field counts). */
function stepsOf(layer: tf.layers.Layer): number | null {
  const steps = (layer as unknown as { steps?: unknown }).steps;
  return typeof steps === 'number' && Number.isInteger(steps) ? steps : null;
}

interface AdamInternals { acc: [number, number] | null; accBeta1: tf.Variable; accBeta2: tf.Variable }

/** Adam's β-power state, if this optimizer has it (tfjs's optimizer classes answer instanceof by duck typing, loosely). */
function adamOf(o: tf.Optimizer): AdamInternals | null {
  const a = o as unknown as Partial<AdamInternals>;
  return o.getClassName() === 'Adam' && a.accBeta1 instanceof tf.Variable && a.accBeta2 instanceof tf.Variable ? (a as AdamInternals) : null;
}

/** Writes last.ckpt, and best.ckpt too when this epoch has the best validation accuracy so far. */
export async function saveEpochCheckpoint(runDir: string, runId: string, s: LoopState, epochsDone: number, summary: EpochSummary, isBest: boolean): Promise<void> {
  const tensors: Entry[] = [];
  for (const w of s.model.weights) tensors.push(await toEntry('model', w.originalName, w.read()));
  const optWeights = await s.optimizer.getWeights();
  for (const [i, w] of optWeights.entries()) {
    tensors.push(await toEntry('optimizer', w.name, w.tensor));
    if (i === 0) w.tensor.dispose(); // the iteration count is a fresh scalar; the rest are the optimizer's own variables
  }
  for (const [i, t] of (s.esBest ?? []).entries()) tensors.push(await toEntry('esBest', String(i), t));
  let accBeta: [number, number] | null = null;
  const a = adamOf(s.optimizer);
  if (a) {
    accBeta = a.acc ? [a.acc[0], a.acc[1]] : [(await a.accBeta1.data())[0], (await a.accBeta2.data())[0]];
  }
  const layerSteps: Record<string, number> = {};
  s.model.layers.forEach((l, i) => {
    const steps = stepsOf(l);
    if (steps !== null) layerSteps[String(i)] = steps;
  });
  const bytes = encodeCheckpoint({
    version: 1, runId, epochsDone, summary, trainSeconds: s.trainSeconds, avgEpochSeconds: s.avgEpochSeconds,
    augRngCalls: s.augRng.calls(), layerSteps,
    earlyStopping: s.stopper ? { ...s.stopper.snapshot(), stopped: s.stopped } : null,
    bestValAccuracy: s.bestValAccuracy,
    plateau: s.plateau ? s.plateau.snapshot() : null,
    optimizer: { type: s.optimizer.getClassName(), accBeta },
  }, tensors);
  await writeCheckpoint(runDir, 'last', bytes);
  if (isBest) await writeCheckpoint(runDir, 'best', bytes);
}

export interface Restored {
  state: CheckpointState;
  esBest: tf.Tensor[] | null;
}

/**
 * Loads last.ckpt into a freshly built model and optimizer (same spec, same seed) and brings the generator and the
 * stopper to where they were. Throws a TrainingError naming what does not fit.
 */
export async function restoreCheckpoint(runDir: string, runId: string, s: Pick<LoopState, 'model' | 'optimizer' | 'stopper' | 'augRng' | 'plateau'>): Promise<Restored> {
  const ckpt = await readCheckpoint(runDir, 'last', runId);
  if (!ckpt) throw new TrainingError(`run ${runId} has no checkpoint to resume from (it stopped before its first epoch ended): start it again instead`, runId);
  const { state, tensors } = ckpt;
  const group = (g: Group) => tensors.filter((t) => t.meta.group === g);
  const model = group('model');
  const weights = s.model.weights;
  if (model.length !== weights.length) {
    throw new TrainingError(`checkpoint of run ${runId} holds ${model.length} weight tensors, the model has ${weights.length}`, runId);
  }
  weights.forEach((w, i) => {
    const shape = model[i].meta.shape;
    if (shape.join(',') !== w.shape.join(',')) {
      throw new TrainingError(`checkpoint of run ${runId}: weight ${w.originalName} is [${shape.join(', ')}] there, [${w.shape.join(', ')}] in the model`, runId);
    }
  });
  const expectedOptimizer = s.optimizer.getClassName();
  if (state.optimizer.type !== expectedOptimizer) {
    throw new TrainingError(`checkpoint of run ${runId} was made with optimizer ${state.optimizer.type}, the run now uses ${expectedOptimizer}`, runId);
  }
  const modelTensors = model.map((t) => tf.tensor(t.data, t.meta.shape, t.meta.dtype));
  s.model.setWeights(modelTensors);
  modelTensors.forEach((t) => t.dispose());
  const opt = group('optimizer').map((t) => ({ name: t.meta.name, tensor: tf.tensor(t.data, t.meta.shape, t.meta.dtype) }));
  if (opt.length > 0) await s.optimizer.setWeights(opt);
  opt.forEach((t) => t.tensor.dispose());
  const a = adamOf(s.optimizer);
  if (state.optimizer.accBeta && a) {
    // tfjs recomputes β^t as pow(β, t) on setWeights; the fused step multiplies float32s step by step, so set them exactly.
    const [b1, b2] = state.optimizer.accBeta;
    tf.tidy(() => {
      a.accBeta1.assign(tf.scalar(b1));
      a.accBeta2.assign(tf.scalar(b2));
    });
  }
  for (const [index, steps] of Object.entries(state.layerSteps)) {
    const layer = s.model.layers[Number(index)];
    if (!layer || stepsOf(layer) === null) throw new TrainingError(`checkpoint of run ${runId} has a random step counter for layer ${index}, which has none`, runId);
    (layer as unknown as { steps: number }).steps = steps;
  }
  s.augRng.skip(state.augRngCalls);
  if (s.plateau && state.plateau) s.plateau.restore(state.plateau);
  if (state.earlyStopping && s.stopper) s.stopper.restore(state.earlyStopping);
  const esBest = group('esBest');
  return { state, esBest: esBest.length > 0 ? esBest.map((t) => tf.tensor(t.data, t.meta.shape, t.meta.dtype)) : null };
}
