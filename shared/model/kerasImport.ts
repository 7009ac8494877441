// Keras model.to_json() → model spec (shared contract layer, pure): Sequential and Functional models of the layer kinds
// we support, mapped field by field; everything that does not map is named, and nothing is silently dropped.
import { isRecord, show } from './issues.js';

/** A Keras model that does not map cleanly; `problems` lists each layer or field that does not, one a line. */
export class KerasImportError extends Error {
  override readonly name = 'KerasImportError';
  constructor(readonly problems: string[]) {
    super(`this Keras model cannot be imported as it is:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Cfg = Record<string, unknown>;
const pairOrInt = (v: unknown): unknown => (Array.isArray(v) && v.length === 2 && v[0] === v[1] ? v[0] : v);
const ACTIVATION_ALIASES: Record<string, string> = { silu: 'swish' };

/** Per Keras class: our type and the fields it maps (Keras name → ours, with a value conversion). */
const MAP: Record<string, { type: string; fields: Record<string, [string, (v: unknown) => unknown]> }> = {};
const id = (v: unknown) => v;
const act = (v: unknown) => (typeof v === 'string' ? ACTIVATION_ALIASES[v] ?? v : v);
const conv = { kernel_size: ['kernelSize', pairOrInt], strides: ['strides', pairOrInt], padding: ['padding', id], activation: ['activation', act], use_bias: ['useBias', id], dilation_rate: ['dilationRate', pairOrInt] } as const;
const pool = { pool_size: ['poolSize', pairOrInt], strides: ['strides', pairOrInt], padding: ['padding', id] } as const;
function def(cls: string, type: string, fields: Record<string, readonly [string, (v: unknown) => unknown]>) {
  MAP[cls] = { type, fields: fields as Record<string, [string, (v: unknown) => unknown]> };
}
def('Dense', 'Dense', { units: ['units', id], activation: ['activation', act], use_bias: ['useBias', id] });
def('Conv2D', 'Conv2D', { filters: ['filters', id], ...conv });
def('DepthwiseConv2D', 'DepthwiseConv2D', { depth_multiplier: ['depthMultiplier', id], ...conv });
def('SeparableConv2D', 'SeparableConv2D', { filters: ['filters', id], depth_multiplier: ['depthMultiplier', id], ...conv });
def('MaxPooling2D', 'MaxPooling2D', pool);
def('AveragePooling2D', 'AveragePooling2D', pool);
def('Flatten', 'Flatten', {});
def('Dropout', 'Dropout', { rate: ['rate', id] });
def('SpatialDropout2D', 'SpatialDropout2D', { rate: ['rate', id] });
def('GaussianNoise', 'GaussianNoise', { stddev: ['stddev', id] });
def('BatchNormalization', 'BatchNormalization', { momentum: ['momentum', id], epsilon: ['epsilon', id] });
def('LayerNormalization', 'LayerNormalization', { epsilon: ['epsilon', id] });
def('GlobalAveragePooling2D', 'GlobalAveragePooling2D', {});
def('GlobalMaxPooling2D', 'GlobalMaxPooling2D', {});
def('ZeroPadding2D', 'ZeroPadding2D', { padding: ['padding', id] });
def('LeakyReLU', 'LeakyReLU', { alpha: ['alpha', id], negative_slope: ['alpha', id] });
def('PReLU', 'PReLU', { shared_axes: ['sharedAxes', (v) => (v === null ? undefined : v)] });
def('Add', 'Add', {});
def('Concatenate', 'Concatenate', {});

/** Config fields that change nothing we model (names, dtypes, initialisers) or must have the value we assume. */
const IGNORED = new Set(['name', 'trainable', 'dtype', 'batch_input_shape', 'batch_shape', 'input_shape', 'seed', 'noise_shape',
  'kernel_initializer', 'bias_initializer', 'depthwise_initializer', 'pointwise_initializer', 'gamma_initializer', 'beta_initializer',
  'moving_mean_initializer', 'moving_variance_initializer', 'alpha_initializer', 'center', 'scale', 'groups', 'synchronized', 'rms_scaling']);
/** Fields that must be absent/null (regularisers, constraints) or have one value, else the layer does not map. */
const MUST: Record<string, (v: unknown) => boolean> = {
  data_format: (v) => v === null || v === 'channels_last',
  axis: (v) => v === -1 || v === 3 || (Array.isArray(v) && v.length === 1 && (v[0] === -1 || v[0] === 3)),
  keepdims: (v) => v === false || v === null,
  center: (v) => v !== false,
  scale: (v) => v !== false,
};
const NULL_ONLY = /_(regularizer|constraint)$/;

function inputShapeOf(shape: unknown): [784] | [28, 28, 1] | string {
  const dims = Array.isArray(shape) ? shape.slice(1) : null;
  if (dims && dims.length === 1 && dims[0] === 784) return [784];
  if (dims && dims.length === 3 && dims[0] === 28 && dims[1] === 28 && dims[2] === 1) return [28, 28, 1];
  return `the input shape ${show(shape)} is not (None, 784) or (None, 28, 28, 1), the Fashion-MNIST inputs`;
}

/** Names of the layers a Functional layer takes, from Keras 2 ([[["c1", 0, 0, {}]]]) or Keras 3 (keras_history) nodes. */
function inboundNames(layer: Cfg): string[] | null {
  const nodes = layer.inbound_nodes;
  if (!Array.isArray(nodes) || nodes.length === 0) return [];
  if (nodes.length > 1) return null; // a shared layer applied twice
  const node = nodes[0];
  if (Array.isArray(node)) return node.map((n) => (Array.isArray(n) ? String(n[0]) : '?'));
  const names: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isRecord(v)) {
      const hist = isRecord(v.config) ? v.config.keras_history : undefined;
      if (v.class_name === '__keras_tensor__' && Array.isArray(hist)) names.push(String(hist[0]));
      else Object.values(v).forEach(walk);
    }
  };
  walk(isRecord(node) ? node.args : node);
  return names;
}

/**
 * The model spec of a Keras model.to_json() document (or its parsed object). Throws KerasImportError naming every layer
 * class or field that does not map; the result still goes through the spec check like any import.
 */
export function kerasToSpec(doc: unknown, fallbackName = 'keras-model'): unknown {
  const root = typeof doc === 'string' ? JSON.parse(doc) as unknown : doc;
  if (!isRecord(root) || !isRecord(root.config) || typeof root.class_name !== 'string') {
    throw new KerasImportError(['not a Keras model JSON: expected {"class_name": "Sequential" | "Functional", "config": {...}} as model.to_json() writes it']);
  }
  const functional = root.class_name === 'Functional' || root.class_name === 'Model';
  if (!functional && root.class_name !== 'Sequential') throw new KerasImportError([`model class "${root.class_name}" is not Sequential or Functional`]);
  const rawLayers = Array.isArray(root.config.layers) ? root.config.layers : [];
  const problems: string[] = [];
  const layers: Cfg[] = [];
  let inputShape: unknown = null;
  let inputName = 'input';
  let previous: string | null = null;
  rawLayers.forEach((raw, k) => {
    const layer = isRecord(raw) ? raw : {};
    const cls = String(layer.class_name);
    const cfg = isRecord(layer.config) ? layer.config : {};
    const name = typeof cfg.name === 'string' ? cfg.name : `layer_${k}`;
    const where = `Keras layer ${k + 1} "${name}" (${cls})`;
    const shape = cfg.batch_input_shape ?? cfg.batch_shape;
    if (cls === 'InputLayer') {
      inputShape = inputShapeOf(shape);
      inputName = name;
      previous = name;
      return;
    }
    if (shape !== undefined && inputShape === null) inputShape = inputShapeOf(shape);
    const m = MAP[cls];
    if (!m) {
      problems.push(`${where}: no layer kind here matches ${cls}${cls === 'Activation' || cls === 'ReLU' ? ' (set the activation on the layer before it instead)' : ''}`);
      return;
    }
    const out: Cfg = { type: m.type, name: /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(name) && name !== 'input' ? name : undefined };
    for (const [key, value] of Object.entries(cfg)) {
      const field = m.fields[key];
      if (field) {
        const v = field[1](value);
        if (v !== undefined) out[field[0]] = v;
      } else if (NULL_ONLY.test(key)) {
        if (value !== null && value !== undefined) problems.push(`${where}: ${key} ${show(isRecord(value) ? value.class_name : value)} does not map (no regularisers or constraints per layer here)`);
      } else if (MUST[key]) {
        if (!MUST[key](value)) problems.push(`${where}: ${key} ${show(value)} does not map (only the channels-last default is supported)`);
      } else if (!IGNORED.has(key) && !(key === 'activity_regularizer' && value === null)) {
        problems.push(`${where}: the field ${key} = ${show(value)} has no counterpart here`);
      }
    }
    if (functional) {
      const from = inboundNames(layer);
      if (from === null) problems.push(`${where}: a layer applied more than once (shared weights) does not map`);
      else {
        const mapped = from.map((n) => (n === inputName ? 'input' : n));
        if (!(mapped.length === 1 && mapped[0] === (previous === inputName ? 'input' : previous))) out.inputs = mapped;
      }
    }
    previous = name;
    layers.push(Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)));
  });
  if (typeof inputShape === 'string') problems.push(inputShape);
  else if (inputShape === null) problems.push('the model has no input shape (build it, or give the first layer input_shape, before to_json())');
  if (problems.length) throw new KerasImportError(problems);
  const name = typeof root.config.name === 'string' && root.config.name.trim() ? root.config.name.slice(0, 120) : fallbackName;
  return { name, inputShape, layers };
}
