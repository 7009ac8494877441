// Settings of a run as flat, comparable lines (engine/report, pure): the config diff and one-line architecture texts.
import type { RunDetail } from '../../../shared/run.js';

export interface ConfigChange {
  setting: string;
  a: string;
  b: string;
}

/** Flattened settings of a run's request, for the config diff ("hyper.learningRate" → "0.001"). */
export function flattenSettings(run: RunDetail): Map<string, string> {
  const out = new Map<string, string>();
  const req = run.config?.request;
  if (!req) return out;
  const put = (prefix: string, value: unknown): void => {
    if (value === null || value === undefined) {
      out.set(prefix, value === null ? 'none' : '—');
    } else if (Array.isArray(value)) {
      if (prefix === 'model.layers') {
        value.forEach((layer, i) => out.set(`model.layers[${i + 1}]`, describeLayer(layer as Record<string, unknown>)));
        out.set('model.layers (count)', String(value.length));
      } else out.set(prefix, value.length === 0 ? '[]' : value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', '));
    } else if (typeof value === 'object') {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) put(prefix ? `${prefix}.${k}` : k, v);
    } else out.set(prefix, String(value));
  };
  put('model', { name: req.model.name, inputShape: req.model.inputShape.join('×'), layers: req.model.layers });
  put('hyper', { ...req.hyper, seed: undefined });
  out.delete('hyper.seed');
  put('data', req.data);
  out.set('backend (requested)', req.backend);
  out.set('seed', String(run.config?.seed ?? req.hyper.seed));
  return out;
}

export function describeLayer(layer: Record<string, unknown>): string {
  const type = String(layer.type);
  const act = layer.activation && layer.activation !== 'linear' ? `, ${String(layer.activation)}` : '';
  const k = (v: unknown) => (Array.isArray(v) ? v.join('×') : `${String(v)}×${String(v)}`);
  switch (type) {
    case 'Dense': return `Dense(${String(layer.units)}${act})`;
    case 'Conv2D': return `Conv2D(${String(layer.filters)}, ${k(layer.kernelSize)}${layer.strides && layer.strides !== 1 ? `, stride ${k(layer.strides)}` : ''}${layer.padding === 'same' ? ', same' : ''}${act})`;
    case 'MaxPooling2D':
    case 'AveragePooling2D': return `${type}(${k(layer.poolSize ?? 2)})`;
    case 'Dropout': return `Dropout(${String(layer.rate)})`;
    default: return describeNewLayer(layer, type, k, act);
  }
}

/** The layer kinds added with graph models (issue 12): their settings, and a merge's inputs. */
function describeNewLayer(layer: Record<string, unknown>, type: string, k: (v: unknown) => string, act: string): string {
  const d = layer.dilationRate !== undefined && layer.dilationRate !== 1 ? `, dilation ${k(layer.dilationRate)}` : '';
  const same = layer.padding === 'same' ? ', same' : '';
  switch (type) {
    case 'SeparableConv2D': return `SeparableConv2D(${String(layer.filters)}, ${k(layer.kernelSize)}${same}${d}${act})`;
    case 'DepthwiseConv2D': return `DepthwiseConv2D(${k(layer.kernelSize)}${same}${d}${act})`;
    case 'SpatialDropout2D': return `SpatialDropout2D(${String(layer.rate)})`;
    case 'GaussianNoise': return `GaussianNoise(${String(layer.stddev)})`;
    case 'LeakyReLU': return `LeakyReLU(${String(layer.alpha ?? 0.3)})`;
    case 'ZeroPadding2D': return `ZeroPadding2D(${JSON.stringify(layer.padding ?? 1)})`;
    case 'Add':
    case 'Concatenate': return `${type}(${Array.isArray(layer.inputs) ? layer.inputs.join(', ') : ''})`;
    default: return type;
  }
}

/** Model settings first, layers in order, then hyperparameters, data, backend and seed. */
function settingRank(key: string): number {
  const section = ['model.name', 'model.inputShape', 'model.layers', 'hyper', 'data', 'backend', 'seed'].findIndex((p) => key.startsWith(p));
  const layer = /^model\.layers\[(\d+)\]/.exec(key);
  return (section < 0 ? 99 : section) * 1000 + (layer ? Number(layer[1]) : key.includes('(count)') ? 999 : 0);
}

/** "Conv 32 3×3 → MaxPool → Conv 64 3×3 → MaxPool → Dense 128 → Dense 10": an architecture on one line. */
export function architectureText(layers: readonly Record<string, unknown>[]): string {
  const k = (v: unknown) => (Array.isArray(v) ? v.join('×') : `${String(v)}×${String(v)}`);
  return layers
    .map((l) => {
      switch (l.type) {
        case 'Dense': return `Dense ${String(l.units)}`;
        case 'Conv2D': return `Conv ${String(l.filters)} ${k(l.kernelSize)}`;
        case 'MaxPooling2D': return 'MaxPool';
        case 'AveragePooling2D': return 'AvgPool';
        case 'Dropout': return `Dropout ${String(l.rate)}`;
        case 'BatchNormalization': return 'BatchNorm';
        case 'GlobalAveragePooling2D': return 'GlobalAvgPool';
        default: return null;
      }
    })
    .filter((x): x is string => x !== null)
    .join(' → ');
}

export function compareConfigs(a: RunDetail, b: RunDetail, seedsDiffer: boolean): { changes: ConfigChange[]; identical: number } {
  const fa = flattenSettings(a);
  const fb = flattenSettings(b);
  const keys = [...new Set([...fa.keys(), ...fb.keys()])].sort((x, y) => settingRank(x) - settingRank(y));
  const changes: ConfigChange[] = [];
  let identical = 0;
  for (const k of keys) {
    if (k === 'seed' && !seedsDiffer) continue;
    const va = fa.get(k) ?? '—';
    const vb = fb.get(k) ?? '—';
    if (va === vb) identical++;
    else changes.push({ setting: k, a: va, b: vb });
  }
  return { changes, identical };
}
