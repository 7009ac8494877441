// Renderer model editor: what a newly added layer of each type starts as, and which fields the form shows.
import type { LayerType } from '../../../shared/spec.js';

export const LAYER_DEFAULTS: Record<LayerType, Record<string, unknown>> = {
  Dense: { type: 'Dense', units: 128, activation: 'relu' },
  Conv2D: { type: 'Conv2D', filters: 32, kernelSize: 3, activation: 'relu', padding: 'valid' },
  MaxPooling2D: { type: 'MaxPooling2D', poolSize: 2 },
  AveragePooling2D: { type: 'AveragePooling2D', poolSize: 2 },
  Flatten: { type: 'Flatten' },
  Dropout: { type: 'Dropout', rate: 0.25 },
  BatchNormalization: { type: 'BatchNormalization' },
  GlobalAveragePooling2D: { type: 'GlobalAveragePooling2D' },
  DepthwiseConv2D: { type: 'DepthwiseConv2D', kernelSize: 3, padding: 'same', activation: 'relu' },
  SeparableConv2D: { type: 'SeparableConv2D', filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' },
  LayerNormalization: { type: 'LayerNormalization' },
  GlobalMaxPooling2D: { type: 'GlobalMaxPooling2D' },
  ZeroPadding2D: { type: 'ZeroPadding2D', padding: 1 },
  SpatialDropout2D: { type: 'SpatialDropout2D', rate: 0.1 },
  GaussianNoise: { type: 'GaussianNoise', stddev: 0.1 },
  LeakyReLU: { type: 'LeakyReLU', alpha: 0.3 },
  PReLU: { type: 'PReLU', sharedAxes: [1, 2] },
  Add: { type: 'Add' },
  Concatenate: { type: 'Concatenate' },
};

export type FieldKind = 'int' | 'number' | 'window' | 'activation' | 'padding' | 'bool' | 'initializer' | 'l2' | 'axes';

export interface FieldDef {
  key: string;
  label: string;
  kind: FieldKind;
  /** Left out of the layer when empty (the schema default applies). */
  optional?: boolean;
  hint?: string;
}

/** Dense and Conv2D: the kernel's initializer (empty = glorotUniform) and L2 penalty (empty = none). */
const WEIGHT_FIELDS: FieldDef[] = [
  { key: 'kernelInitializer', label: 'init', kind: 'initializer', optional: true },
  { key: 'kernelRegularizer', label: 'L2', kind: 'l2', optional: true, hint: 'none' },
];

export const LAYER_FIELDS: Record<LayerType, FieldDef[]> = {
  Dense: [
    { key: 'units', label: 'units', kind: 'int' },
    { key: 'activation', label: 'activation', kind: 'activation' },
    ...WEIGHT_FIELDS,
  ],
  Conv2D: [
    { key: 'filters', label: 'filters', kind: 'int' },
    { key: 'kernelSize', label: 'kernel', kind: 'window', hint: '3 or 3x5' },
    { key: 'strides', label: 'strides', kind: 'window', optional: true, hint: '1' },
    { key: 'dilationRate', label: 'dilation', kind: 'window', optional: true, hint: '1' },
    { key: 'padding', label: 'padding', kind: 'padding' },
    { key: 'activation', label: 'activation', kind: 'activation' },
    ...WEIGHT_FIELDS,
  ],
  MaxPooling2D: [
    { key: 'poolSize', label: 'pool', kind: 'window', hint: '2' },
    { key: 'strides', label: 'strides', kind: 'window', optional: true, hint: '= pool' },
    { key: 'padding', label: 'padding', kind: 'padding' },
  ],
  AveragePooling2D: [
    { key: 'poolSize', label: 'pool', kind: 'window', hint: '2' },
    { key: 'strides', label: 'strides', kind: 'window', optional: true, hint: '= pool' },
    { key: 'padding', label: 'padding', kind: 'padding' },
  ],
  Flatten: [],
  Dropout: [{ key: 'rate', label: 'rate', kind: 'number' }],
  BatchNormalization: [
    { key: 'momentum', label: 'momentum', kind: 'number', optional: true, hint: '0.99' },
    { key: 'epsilon', label: 'epsilon', kind: 'number', optional: true, hint: '0.001' },
  ],
  GlobalAveragePooling2D: [],
  DepthwiseConv2D: [
    { key: 'kernelSize', label: 'kernel', kind: 'window', hint: '3 or 3x5' },
    { key: 'depthMultiplier', label: 'multiplier', kind: 'int', optional: true, hint: '1' },
    { key: 'strides', label: 'strides', kind: 'window', optional: true, hint: '1' },
    { key: 'dilationRate', label: 'dilation', kind: 'window', optional: true, hint: '1' },
    { key: 'padding', label: 'padding', kind: 'padding' },
    { key: 'activation', label: 'activation', kind: 'activation' },
  ],
  SeparableConv2D: [
    { key: 'filters', label: 'filters', kind: 'int' },
    { key: 'kernelSize', label: 'kernel', kind: 'window', hint: '3 or 3x5' },
    { key: 'depthMultiplier', label: 'multiplier', kind: 'int', optional: true, hint: '1' },
    { key: 'strides', label: 'strides', kind: 'window', optional: true, hint: '1' },
    { key: 'dilationRate', label: 'dilation', kind: 'window', optional: true, hint: '1' },
    { key: 'padding', label: 'padding', kind: 'padding' },
    { key: 'activation', label: 'activation', kind: 'activation' },
  ],
  LayerNormalization: [{ key: 'epsilon', label: 'epsilon', kind: 'number', optional: true, hint: '0.001' }],
  GlobalMaxPooling2D: [],
  ZeroPadding2D: [{ key: 'padding', label: 'pad', kind: 'window', hint: '1 or 1x2' }],
  SpatialDropout2D: [{ key: 'rate', label: 'rate', kind: 'number' }],
  GaussianNoise: [{ key: 'stddev', label: 'stddev', kind: 'number' }],
  LeakyReLU: [{ key: 'alpha', label: 'alpha', kind: 'number', optional: true, hint: '0.3' }],
  PReLU: [{ key: 'sharedAxes', label: 'shared axes', kind: 'axes', optional: true, hint: '1,2' }],
  Add: [],
  Concatenate: [],
};

/** "1,2" → [1, 2] (PReLU's shared axes); anything else is kept as typed so the spec check names it. */
export function parseAxes(text: string): unknown {
  const t = text.trim();
  if (t === '') return '';
  const parts = t.split(/[\s,]+/).filter(Boolean);
  return parts.every((p) => /^\d+$/.test(p)) ? parts.map(Number) : t;
}

/** "c1, c2" → ["c1", "c2"] (a layer's inputs); empty → undefined (the previous layer). */
export function parseNames(text: string): string[] | undefined {
  const parts = text.split(/[\s,]+/).map((p) => p.trim()).filter(Boolean);
  return parts.length ? parts : undefined;
}

/** "3" → 3, "3x5" / "3,5" / "3 5" → [3, 5]; anything else is kept as typed so the spec check names it. */
export function parseWindow(text: string): unknown {
  const t = text.trim();
  if (t === '') return '';
  if (/^\d+$/.test(t)) return Number(t);
  const m = /^(\d+)\s*[x×,\s]\s*(\d+)$/i.exec(t);
  if (m) return m[1] === m[2] ? Number(m[1]) : [Number(m[1]), Number(m[2])];
  return t;
}

export function windowText(v: unknown): string {
  if (Array.isArray(v)) return v.join('x');
  if (v === undefined || v === null) return '';
  return String(v);
}

/** A number field as typed: numbers stay numbers, anything else stays text for the spec check to name. */
export function parseNumber(text: string): unknown {
  const t = text.trim();
  if (t === '') return '';
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

/**
 * The layer a row's "+" inserts at `at`: what fits the tensor arriving there. A feature map (H×W×C) gets a 3×3 'same'
 * convolution keeping its C channels, so the shapes after it do not change; a vector gets a Dense layer.
 * `shapeBefore` is the output shape (batch axis left out) of the layer before `at`, or the input shape when `at` is 0;
 * null when inference did not get that far, in which case the layers before `at` decide (a Flatten means vector).
 */
export function layerForPosition(
  layers: readonly Record<string, unknown>[], at: number, inputShape: readonly number[], shapeBefore: readonly (number | null)[] | null,
): Record<string, unknown> {
  let image: boolean;
  let channels = 32;
  if (shapeBefore) {
    image = shapeBefore.length === 3;
    if (image && typeof shapeBefore[2] === 'number') channels = shapeBefore[2];
  } else {
    const flattened = layers.slice(0, at).some((l) => l.type === 'Flatten' || l.type === 'GlobalAveragePooling2D' || l.type === 'GlobalMaxPooling2D' || l.type === 'Dense');
    image = inputShape.length === 3 && !flattened;
  }
  if (!image) return { ...LAYER_DEFAULTS.Dense };
  return { ...LAYER_DEFAULTS.Conv2D, filters: Math.max(1, channels), padding: 'same' };
}
