// Model-spec checking without tfjs (shared contract layer, pure): the renderer runs it live while a user types.
import type { ModelSpec, ModelSpecInput } from '../spec.js';
import { analyse } from './analyse.js';
import { isRecord } from './issues.js';
import { SpecError, type ShapeReport } from './report.js';

export { SpecError, layerLabel, type SpecIssue, type LayerSummary, type ShapeReport } from './report.js';
export { formatSummary } from './summary.js';

/**
 * Output shapes and Keras parameter counts of every layer, and every problem found. Never throws.
 * Layer indices in the data are 0-based; messages name layers 1-based ("layer 3 (Dense)").
 */
export function inferShapes(spec: ModelSpecInput | unknown): ShapeReport {
  return analyse(spec).report;
}

/** Parses a spec (defaults applied) and checks its shapes; throws a SpecError listing every issue. */
export function validateModelSpec(input: unknown): ModelSpec {
  const { report, spec } = analyse(input);
  if (report.ok && spec) return spec;
  const name = isRecord(input) && typeof input.name === 'string' ? `model spec "${input.name}"` : 'model spec';
  const n = report.issues.length;
  const message = `${name} is invalid (${n} problem${n === 1 ? '' : 's'}):\n${report.issues.map((i) => `  - ${i.message}`).join('\n')}`;
  throw new SpecError(message, report.issues[0]?.layerIndex ?? null, report.issues);
}
