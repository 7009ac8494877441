// The shape of one preset definition (engine layer): a model, its hyperparameters, and a description built from computed figures.
import type { ModelSpecInput } from '../../../../shared/spec.js';
import type { HyperparametersInput } from '../../../../shared/hyper.js';

/** Figures the registry computes from the model, so a description cannot drift from what it describes. */
export interface PresetFacts {
  params: number;
  /** Forward multiply-accumulates per sample. */
  macs: number;
}

export interface PresetDefinition {
  id: string;
  title: string;
  describe(facts: PresetFacts): string;
  model: ModelSpecInput;
  hyper: HyperparametersInput;
}

export const count = (n: number): string => n.toLocaleString('en-US');
export const millions = (n: number): string => `${(n / 1e6).toFixed(2)}M`;
