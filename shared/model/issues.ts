// Turns zod's issues on a model spec into messages a researcher can act on (shared contract layer, pure).
import type { ZodError } from 'zod';
import { ACTIVATIONS, KERNEL_INITIALIZERS, LAYER_TYPES } from '../spec.js';
import { layerLabel, type SpecIssue } from './report.js';

type ZodIssue = ZodError['issues'][number];

const WINDOW = 'a positive integer or a pair [rows, cols] of them';
/** What each field must be, in words; zod's own texts ("expected number to be >0") do not say which layer or why. */
const EXPECTED: Record<string, string> = {
  units: 'a positive integer',
  filters: 'a positive integer',
  kernelSize: WINDOW,
  poolSize: WINDOW,
  strides: WINDOW,
  padding: "'valid' or 'same'",
  activation: `one of ${ACTIVATIONS.join(', ')}`,
  useBias: 'true or false',
  rate: 'a number from 0 up to (not including) 1',
  momentum: 'a number between 0 and 1 (exclusive)',
  epsilon: 'a positive number',
  type: `one of ${LAYER_TYPES.join(', ')}`,
  kernelInitializer: `one of ${KERNEL_INITIALIZERS.join(', ')}`,
  kernelRegularizer: '{"l2": λ} with λ from 0 to 1',
  dilationRate: `${WINDOW} (1 means no dilation)`,
  depthMultiplier: 'a positive integer (output channels per input channel)',
  stddev: 'a number from 0 to 10 (the noise standard deviation)',
  alpha: 'a number from 0 to 1 (the slope for negative inputs)',
  sharedAxes: 'a list of axes 1 (rows), 2 (columns) or 3 (channels)',
  name: 'a name that starts with a letter and has at most 64 letters, digits, "_", "." or "-"',
  inputs: 'a list of 1 to 16 names of earlier layers (or "input", the model input)',
};
/** Fields whose meaning depends on the layer type. */
const EXPECTED_BY_TYPE: Record<string, Record<string, string>> = {
  ZeroPadding2D: { padding: 'a whole number 0–64, [rows, cols], or [[top, bottom], [left, right]]' },
};

const MODEL_EXPECTED: Record<string, string> = {
  name: 'a non-empty string of at most 120 characters',
  inputShape: '[784] (a flat vector, for Dense models) or [28, 28, 1] (an image, for convolutional models)',
  layers: 'a list of 1 to 64 layers',
};

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as a message quotes it: short, JSON-like, and explicit about missing values. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (Array.isArray(value) && value.length > 8) return `a list of ${value.length} items`;
  if (isRecord(value)) return 'an object';
  try {
    return truncate(JSON.stringify(value) ?? String(value));
  } catch {
    // Cyclic arrays and BigInts cannot be stringified; inferShapes must still not throw.
    return typeof value === 'bigint' ? `${value}n` : 'a value that cannot be shown';
  }
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** "did you mean Conv2D?" for a value that differs only in case or punctuation from an allowed one. */
function suggestion(value: unknown, allowed: readonly string[]): string {
  if (typeof value !== 'string') return '';
  const key = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const hit = allowed.find((a) => key(a) === key(value));
  return hit ? ` (did you mean "${hit}"?)` : '';
}

/** The label a layer gets in messages, from its raw input (which may not even be an object). */
export function rawLayerLabel(index: number, raw: unknown): string {
  const type = isRecord(raw) && typeof raw.type === 'string' && (LAYER_TYPES as readonly string[]).includes(raw.type)
    ? raw.type : undefined;
  return layerLabel(index, type);
}

function layerIssue(index: number, field: string | undefined, raw: unknown): SpecIssue {
  const label = rawLayerLabel(index, raw);
  if (!isRecord(raw)) {
    return { layerIndex: index, message: `${label} must be an object such as {"type": "Dense", "units": 10}; got ${show(raw)}` };
  }
  if (field === undefined) return { layerIndex: index, message: `${label} is not a valid layer` };
  const value = raw[field];
  const expected = (typeof raw.type === 'string' ? EXPECTED_BY_TYPE[raw.type]?.[field] : undefined) ?? EXPECTED[field] ?? 'valid';
  const hint = field === 'type' ? suggestion(value, LAYER_TYPES) : field === 'activation' ? suggestion(value, ACTIVATIONS) : '';
  // A regularizer is a small object: quote it, "an object" would not say what is wrong.
  const got = field === 'kernelRegularizer' && isRecord(value) ? truncate(JSON.stringify(value)) : show(value);
  const what = field === 'type' && value !== undefined ? `type ${show(value)} is not a layer type; use ${expected}` : `${field} must be ${expected}; got ${got}`;
  return { layerIndex: index, field, message: `${label}: ${what}${hint}` };
}

function modelIssue(field: string | undefined, input: unknown, zodMessage: string): SpecIssue {
  if (field === undefined) {
    return { layerIndex: null, message: `a model spec must be a JSON object with name, inputShape and layers; got ${show(input)}` };
  }
  const value = isRecord(input) ? input[field] : undefined;
  const expected = MODEL_EXPECTED[field];
  return expected
    ? { layerIndex: null, field, message: `${field} must be ${expected}; got ${show(value)}` }
    : { layerIndex: null, field, message: `${field}: ${zodMessage}` };
}

/** One issue per offending field (zod may report a field several times, e.g. each branch of a union). */
export function issuesFromZod(issues: readonly ZodIssue[], input: unknown): SpecIssue[] {
  const out: SpecIssue[] = [];
  const seen = new Set<string>();
  const rawLayers = isRecord(input) && Array.isArray(input.layers) ? input.layers : [];
  for (const issue of issues) {
    const [top, index, field] = issue.path;
    const isLayer = top === 'layers' && typeof index === 'number';
    const fieldName = isLayer ? (typeof field === 'string' ? field : undefined) : (typeof top === 'string' ? top : undefined);
    const key = `${isLayer ? index : '-'}:${fieldName ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(isLayer ? layerIssue(index, fieldName, rawLayers[index]) : modelIssue(fieldName, input, issue.message));
  }
  return out;
}

/** Fields a schema does not know are silently dropped by zod; a typo such as "activaton" would then train a linear layer. */
export function unknownFields(raw: Record<string, unknown>, known: readonly string[]): string[] {
  return Object.keys(raw).filter((k) => !known.includes(k));
}
