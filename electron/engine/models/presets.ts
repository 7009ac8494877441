// Preset registry (engine layer): every preset is one file under presets/ plus one line in DEFINITIONS.
import { PresetSchema, type Preset } from '../../../shared/api.js';
import { validateModelSpec } from '../../../shared/model/inferShapes.js';
import { inferShapes } from '../../../shared/model/inferShapes.js';
import { estimateMacs } from '../../../shared/model/flops.js';
import type { PresetDefinition } from './presets/definition.js';
import { seedAnn } from './presets/seedAnn.js';
import { seedCnn } from './presets/seedCnn.js';
import { strongCnn } from './presets/strongCnn.js';

const DEFINITIONS: readonly PresetDefinition[] = [seedAnn, seedCnn, strongCnn];

/** An unknown preset id; the message lists the known ones. */
export class PresetError extends Error {
  constructor(readonly id: string, readonly known: readonly string[]) {
    super(`unknown preset "${id}"; known presets: ${known.join(', ')}`);
    this.name = 'PresetError';
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/** A broken preset is a bug, so it fails at import with the SpecError or zod message rather than at training time. */
function finalise(def: PresetDefinition): Preset {
  const model = validateModelSpec(def.model);
  const facts = { params: inferShapes(model).totalParams, macs: estimateMacs(model) };
  return PresetSchema.parse({ id: def.id, title: def.title, description: def.describe(facts), model, hyper: def.hyper });
}

/** Frozen: copy before editing (getPreset returns a copy). */
export const PRESETS: Preset[] = deepFreeze(DEFINITIONS.map(finalise));

/** A fresh, editable copy of preset `id`; throws PresetError naming the known ids. */
export function getPreset(id: string): Preset {
  const found = PRESETS.find((p) => p.id === id);
  if (!found) throw new PresetError(id, PRESETS.map((p) => p.id));
  return structuredClone(found);
}
