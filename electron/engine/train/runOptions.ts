// The optional training options of one run, wired for the loop (engine layer): the step with its objective terms,
// per-batch augmentation generators and mixup, and the plateau rule. A config without them gets the seed's paths.
import type * as tf from '@tensorflow/tfjs';
import type { Hyperparameters } from '../../../shared/hyper.js';
import { hasPerImageExtras, mixBatch, mixupAlpha, SHIFT_STREAM_SALT } from '../../../shared/augment.js';
import { mulberry32, streamRng } from '../../../shared/random.js';
import { AUGMENT_STREAM } from '../../../shared/augmentPreview.js';
import { PlateauRule } from '../../../shared/plateau.js';
import type { Augment } from '../data/batches.js';
import { learningRateAt } from './schedule.js';
import type { StepResult } from './step.js';
import { makeFastestStep } from './fusedGraphMlp.js';
import { makeFastestObjectiveStep, needsObjectiveStep, objectiveOptions } from './objective.js';
import { smoothedTargets } from './softLoss.js';

/** Purposes of the per-(seed, epoch, batch) generators: one stream each, so turning one option on leaves the others' draws. */
export const STREAM = AUGMENT_STREAM;

export type RunStep = (x: Float32Array, y: Int32Array, n: number, softTargets?: Float32Array | null) => StepResult;

export class RunOptions {
  /** The augmentation fillBatch gets: exactly the old object for shift/flip-only configs, null when off. */
  readonly augment: Augment | null;
  readonly plateau: PlateauRule | null;
  private readonly alpha: number;
  private targets = new Float32Array(0);

  constructor(private readonly hyper: Hyperparameters, private readonly numClasses = 10) {
    const a = hyper.augmentation;
    const augRng = mulberry32(hyper.seed ^ SHIFT_STREAM_SALT);
    const extras = hasPerImageExtras(a);
    this.augment = a && (a.maxShift > 0 || a.horizontalFlip || extras)
      ? { ...a, rng: augRng, extra: extras ? { settings: a, rng: streamRng(hyper.seed, 0, 0, STREAM.extras) } : null } : null;
    this.alpha = mixupAlpha(a);
    this.plateau = hyper.schedule.type === 'plateau' ? new PlateauRule(hyper.schedule, hyper.learningRate) : null;
  }

  /** Whether this run needs the objective step (smoothing, mixup, clipping, L2) rather than the seed's plain one. */
  needsObjective(model: tf.LayersModel): boolean {
    return needsObjectiveStep(objectiveOptions(this.hyper), model, this.alpha > 0);
  }

  makeStep(model: tf.LayersModel, optimizer: tf.Optimizer, inputShape: readonly number[]): RunStep {
    const o = objectiveOptions(this.hyper);
    return needsObjectiveStep(o, model, this.alpha > 0)
      ? makeFastestObjectiveStep(model, optimizer, inputShape, o, this.numClasses)
      : makeFastestStep(model, optimizer, inputShape, this.numClasses);
  }

  /** Before filling batch b of epoch e: the extras draw from the generator of (seed, e, b). */
  beginBatch(epoch: number, batch: number): void {
    if (this.augment?.extra) this.augment.extra.rng = streamRng(this.hyper.seed, epoch, batch, STREAM.extras);
  }

  /** The rate of this batch: the shared schedule, with the plateau rule's current rate. */
  learningRate(epoch: number, batch: number, batches: number): number {
    return learningRateAt(this.hyper, epoch, batch, batches, this.plateau?.rate);
  }

  /** Mixup of the filled batch in place; returns its soft targets, or null when mixup is off. */
  mix(x: Float32Array, y: Int32Array, n: number, epoch: number, batch: number): Float32Array | null {
    if (!(this.alpha > 0)) return null;
    const k = this.numClasses;
    if (this.targets.length < n * k) this.targets = new Float32Array(n * k);
    smoothedTargets(y, n, k, this.hyper.labelSmoothing ?? 0, this.targets);
    mixBatch(x, this.targets, n, k, this.alpha, streamRng(this.hyper.seed, epoch, batch, STREAM.mixup));
    return this.targets;
  }

  /** After an epoch's validation: the plateau rule sees its loss. */
  endEpoch(valLoss: number): void {
    this.plateau?.update(valLoss);
  }
}
