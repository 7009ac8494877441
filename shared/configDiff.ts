// Shared config comparison (pure): aligns two models' layer lists by edit distance and lists the other settings that differ.

/** A layer as the contract stores it: its kind in `type`, every other field a setting. */
export type LayerLike = { type: string } & Record<string, unknown>;

export interface SettingChange {
  key: string;
  a: string;
  b: string;
}

export type LayerStep =
  | { op: 'same'; aIndex: number; bIndex: number; layer: LayerLike }
  | { op: 'changed'; aIndex: number; bIndex: number; a: LayerLike; b: LayerLike; changes: SettingChange[] }
  | { op: 'removed'; aIndex: number; layer: LayerLike }
  | { op: 'inserted'; bIndex: number; layer: LayerLike };

/** { a: { b: [1, 2] } } → { 'a.b[0]': '1', 'a.b[1]': '2' }; values as JSON so that 1 and "1" differ. */
export function flattenSettings(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (Array.isArray(value)) {
    if (value.length === 0) out[prefix] = '[]';
    value.forEach((v, i) => flattenSettings(v, `${prefix}[${i}]`, out));
  } else if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out[prefix] = '{}';
    for (const [k, v] of entries) flattenSettings(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = value === undefined ? '—' : JSON.stringify(value);
  }
  return out;
}

const naturalOrder = (x: string, y: string) => x.localeCompare(y, 'en', { numeric: true });

/** Settings (everything but the kind) in which two layers differ; a setting only one of them has shows as '—' on the other side. */
export function layerChanges(a: LayerLike, b: LayerLike): SettingChange[] {
  const { type: _ta, ...sa } = a;
  const { type: _tb, ...sb } = b;
  const fa = flattenSettings(sa);
  const fb = flattenSettings(sb);
  const keys = [...new Set([...Object.keys(fa), ...Object.keys(fb)])].sort(naturalOrder);
  return keys.filter((k) => fa[k] !== fb[k]).map((k) => ({ key: k, a: fa[k] ?? '—', b: fb[k] ?? '—' }));
}

/**
 * Cost of putting a over b: 0 when equal, between 0.5 and 0.9 for the same kind with other settings (always below the 2 of
 * removing one and inserting the other, so an edited layer reads as "changed"), and impossible across kinds.
 */
function substitution(a: LayerLike, b: LayerLike): number {
  if (a.type !== b.type) return Number.POSITIVE_INFINITY;
  const changes = layerChanges(a, b).length;
  if (changes === 0) return 0;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]).size - 1;
  return 0.5 + (0.4 * changes) / Math.max(1, keys);
}

/** Edit-distance alignment of two layer lists (insert and remove cost 1), in layer order. */
export function alignLayers(a: readonly LayerLike[], b: readonly LayerLike[]): LayerStep[] {
  const n = a.length;
  const m = b.length;
  const cost: number[][] = Array.from({ length: n + 1 }, (_, i) => Array.from({ length: m + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      cost[i][j] = Math.min(cost[i - 1][j - 1] + substitution(a[i - 1], b[j - 1]), cost[i - 1][j] + 1, cost[i][j - 1] + 1);
    }
  }
  const steps: LayerStep[] = [];
  let i = n;
  let j = m;
  const eq = (x: number, y: number) => Math.abs(x - y) < 1e-9;
  // Walking back from the end, insertions and removals go first on ties: matches then pair up as early as they can,
  // so layers added after a block read as added after it.
  while (i > 0 || j > 0) {
    if (j > 0 && eq(cost[i][j], cost[i][j - 1] + 1)) {
      steps.push({ op: 'inserted', bIndex: j - 1, layer: b[j - 1] });
      j--;
    } else if (i > 0 && eq(cost[i][j], cost[i - 1][j] + 1)) {
      steps.push({ op: 'removed', aIndex: i - 1, layer: a[i - 1] });
      i--;
    } else {
      const changes = layerChanges(a[i - 1], b[j - 1]);
      steps.push(changes.length === 0
        ? { op: 'same', aIndex: i - 1, bIndex: j - 1, layer: a[i - 1] }
        : { op: 'changed', aIndex: i - 1, bIndex: j - 1, a: a[i - 1], b: b[j - 1], changes });
      i--;
      j--;
    }
  }
  return steps.reverse();
}

export interface ConfigComparison {
  layers: LayerStep[];
  counts: { same: number; changed: number; inserted: number; removed: number };
  /** Settings outside the layer list (input shape, hyperparameters, data, backend) that differ, in natural key order. */
  settings: SettingChange[];
  identicalSettings: number;
}

/** Keys that always differ between runs and say nothing about the experiment. */
const IGNORED = /^(name|tags)(\[|\.|$)/;

/**
 * Compares two experiments shaped { model: { layers, … }, … }: the layers by alignment, everything else key by key.
 */
export function compareExperiments(a: unknown, b: unknown): ConfigComparison {
  const layersOf = (x: unknown): LayerLike[] => {
    const layers = (x as { model?: { layers?: unknown } } | null)?.model?.layers;
    return Array.isArray(layers) ? (layers as LayerLike[]) : [];
  };
  const withoutLayers = (x: unknown): unknown => {
    if (x === null || typeof x !== 'object') return {};
    const { model, ...rest } = x as { model?: Record<string, unknown> };
    if (!model || typeof model !== 'object') return rest;
    const { layers: _layers, ...modelRest } = model;
    return { ...rest, model: modelRest };
  };
  const layers = alignLayers(layersOf(a), layersOf(b));
  const counts = { same: 0, changed: 0, inserted: 0, removed: 0 };
  for (const s of layers) counts[s.op]++;
  const fa = flattenSettings(withoutLayers(a));
  const fb = flattenSettings(withoutLayers(b));
  const keys = [...new Set([...Object.keys(fa), ...Object.keys(fb)])].filter((k) => !IGNORED.test(k)).sort(naturalOrder);
  const settings = keys.filter((k) => fa[k] !== fb[k]).map((k) => ({ key: k, a: fa[k] ?? '—', b: fb[k] ?? '—' }));
  return { layers, counts, settings, identicalSettings: keys.length - settings.length };
}

const size = (v: unknown) => (Array.isArray(v) ? v.join('×') : typeof v === 'number' ? `${v}×${v}` : '');

/** "Dense 128 relu", "Conv2D 32 3×3 relu", "MaxPooling2D 2×2", "Dropout 0.25": a layer as one reads it in a table. */
export function layerSummary(l: LayerLike): string {
  const act = typeof l.activation === 'string' && l.activation !== 'linear' ? ` ${l.activation}` : '';
  switch (l.type) {
    case 'Dense': return `Dense ${l.units}${act}`;
    case 'Conv2D': return `Conv2D ${l.filters} ${size(l.kernelSize)}${l.strides !== undefined && l.strides !== 1 ? ` /${size(l.strides)}` : ''}${l.padding === 'same' ? ' same' : ''}${act}`;
    case 'MaxPooling2D':
    case 'AveragePooling2D': return `${l.type} ${size(l.poolSize ?? 2)}`;
    case 'Dropout': return `Dropout ${l.rate}`;
    default: return l.type;
  }
}
