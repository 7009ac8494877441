// Train form: the optional training options' form fields and how they become the request (empty = the option is off).
import type { HyperparametersInput } from '../../../shared/hyper.js';

/** Form state of the options; numbers left empty arrive from v-model.number as '' (or stay null). */
export const TRAIN_OPTION_FIELDS = {
  epsilon: null as number | null | '', weightDecay: 0.01, nesterov: false,
  plateauFactor: 0.5, plateauPatience: 2, plateauMinLr: null as number | null | '', plateauCooldown: null as number | null | '',
  maxLr: null as number | null | '', pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4,
  labelSmoothing: null as number | null | '', clipNorm: null as number | null | '', clipValue: null as number | null | '',
  rotation: null as number | null | '', zoom: null as number | null | '', cutout: false, cutoutSize: 8, cutoutProbability: 0.5,
  mixupAlpha: null as number | null | '',
};
type Fields = typeof TRAIN_OPTION_FIELDS & { optimizer: string; schedule: string; beta1: number; beta2: number; momentum: number };

/** A set number, or undefined for an empty field (the contract then applies today's behaviour). */
const set = (v: number | null | ''): number | undefined => (v === '' || v === null || v === undefined ? undefined : v);
const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

type OptimizerInput = NonNullable<HyperparametersInput['optimizer']>;
type ScheduleInput = NonNullable<HyperparametersInput['schedule']>;
type AugmentationInput = NonNullable<HyperparametersInput['augmentation']>;

/** AdamW, Adam with ε, SGD with Nesterov; null for the cases the form built before (so they stay as they were). */
export function optimizerFromForm(f: Fields): OptimizerInput | null {
  const epsilon = set(f.epsilon);
  if (f.optimizer === 'adamw') return defined({ type: 'adamw' as const, beta1: f.beta1, beta2: f.beta2, epsilon, weightDecay: f.weightDecay });
  if (f.optimizer === 'adam' && epsilon !== undefined) return { type: 'adam', beta1: f.beta1, beta2: f.beta2, epsilon };
  if (f.optimizer === 'sgd' && f.nesterov) return { type: 'sgd', momentum: f.momentum, nesterov: true };
  return null;
}

export function scheduleFromForm(f: Fields): ScheduleInput | null {
  if (f.schedule === 'plateau') {
    return defined({ type: 'plateau' as const, factor: f.plateauFactor, patience: f.plateauPatience, minLr: set(f.plateauMinLr), cooldown: set(f.plateauCooldown) });
  }
  if (f.schedule === 'onecycle') {
    return defined({ type: 'onecycle' as const, maxLr: set(f.maxLr), pctStart: f.pctStart, divFactor: f.divFactor, finalDivFactor: f.finalDivFactor });
  }
  return null;
}

/** Rotation, zoom, cutout and mixup: only the ones switched on. */
export function augmentationExtras(f: Fields): Partial<AugmentationInput> {
  return defined({
    rotation: set(f.rotation),
    zoom: set(f.zoom),
    cutout: f.cutout ? { probability: f.cutoutProbability, size: f.cutoutSize } : undefined,
    mixupAlpha: set(f.mixupAlpha),
  });
}

export function extraHyper(f: Fields): Pick<HyperparametersInput, 'labelSmoothing' | 'clipNorm' | 'clipValue'> {
  return defined({ labelSmoothing: set(f.labelSmoothing), clipNorm: set(f.clipNorm), clipValue: set(f.clipValue) });
}
