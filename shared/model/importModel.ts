// Model JSON import and export (shared contract layer, pure): our draft files, bare specs and Keras model.to_json(),
// hostile until checked; the app's Import button and the engine's drafts store both use it.
import { ModelSpecSchema, type ModelSpec } from '../spec.js';
import { SpecError, validateModelSpec } from './inferShapes.js';
import { KerasImportError, kerasToSpec } from './kerasImport.js';

/** An imported file that is not a model: not JSON, too large, or a Keras model that does not map (the message says what). */
export class ModelImportError extends Error {
  override readonly name = 'ModelImportError';
}

/**
 * A model spec from an imported JSON text: our own draft file, a bare model spec, or a Keras model.to_json(). Hostile
 * until checked: the result passed the spec check (SpecError), and Keras models that do not map say why (ModelImportError).
 */
export function importModelJson(text: string): ModelSpec {
  if (text.length > 2_000_000) throw new ModelImportError(`the file is ${text.length} characters; a model spec is far smaller (at most 2,000,000)`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelImportError(`not JSON: ${(err as Error).message}`);
  }
  const obj = json as Record<string, unknown> | null;
  let spec: unknown = json;
  if (obj && typeof obj === 'object' && obj.format === 'fmw-model-draft') spec = obj.spec;
  else if (obj && typeof obj === 'object' && typeof obj.class_name === 'string' && 'config' in obj) {
    try {
      spec = kerasToSpec(obj);
    } catch (err) {
      if (err instanceof KerasImportError) throw new ModelImportError(err.message);
      throw err;
    }
  }
  try {
    return validateModelSpec(spec);
  } catch (err) {
    if (err instanceof SpecError) throw err;
    throw new ModelImportError(`not a model spec: ${(err as Error).message}`);
  }
}

/** The JSON a draft exports as: the parsed spec, which importModelJson reads back unchanged. */
export function exportModelJson(spec: ModelSpec): string {
  return `${JSON.stringify(ModelSpecSchema.parse(spec), null, 2)}\n`;
}
