// Forward multiply-accumulate counts per sample (shared contract layer, pure): the UI shows them, the bench divides by them.
import { analyse } from './analyse.js';
import { kindOf } from './layerKinds.js';
import { validateModelSpec } from './inferShapes.js';

/** MACs of each layer in order (Dense and Conv2D; pooling, normalisation and activations count 0). Throws SpecError on an invalid spec. */
export function layerMacs(spec: unknown): number[] {
  validateModelSpec(spec);
  return analyse(spec).steps.map((s) => kindOf(s.layer).macs(s.input, s.output, s.layer));
}

/** Forward multiply-accumulates per sample; the seed CNN has 2,631,040. Throws SpecError on an invalid spec. */
export function estimateMacs(spec: unknown): number {
  return layerMacs(spec).reduce((a, b) => a + b, 0);
}
