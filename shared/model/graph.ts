// The layer graph of a model spec (shared contract layer, pure): names, "inputs" resolved to earlier layers, and why not.
import { MERGE_LAYER_TYPES, type LayerSpec, type LayerType } from '../spec.js';
import { isRecord, rawLayerLabel, show } from './issues.js';
import type { SpecIssue } from './report.js';

/** The model input, as "inputs" may name it. */
export const MODEL_INPUT = 'input';
/** Index that stands for the model input in `inbound`. */
export const INPUT_INDEX = -1;

export interface LayerGraph {
  /** Per layer: the indices it takes (INPUT_INDEX for the model input), or null when its "inputs" do not resolve. */
  inbound: (number[] | null)[];
  /** True when some layer names its inputs other than "the previous layer" or merges: the model is built as a graph. */
  isGraph: boolean;
  issues: SpecIssue[];
}

const explicitName = (raw: unknown): string | undefined => (isRecord(raw) && typeof raw.name === 'string' ? raw.name : undefined);
const rawInputs = (raw: unknown): unknown[] | undefined => (isRecord(raw) && Array.isArray(raw.inputs) ? raw.inputs : undefined);

/**
 * Resolves every layer's "inputs" against the names of the layers before it. Names must be unique and not "input";
 * an input may name only an earlier layer, so the graph has no cycles by construction.
 */
export function resolveGraph(rawLayers: readonly unknown[]): LayerGraph {
  const issues: SpecIssue[] = [];
  const firstAt = new Map<string, number>();
  rawLayers.forEach((raw, i) => {
    const name = explicitName(raw);
    if (name === undefined) return;
    if (name === MODEL_INPUT) {
      issues.push({ layerIndex: i, field: 'name', message: `${rawLayerLabel(i, raw)}: the name "${MODEL_INPUT}" is reserved for the model input; choose another` });
    } else if (firstAt.has(name)) {
      const j = firstAt.get(name)!;
      issues.push({ layerIndex: i, field: 'name', message: `${rawLayerLabel(i, raw)}: name "${name}" is already used by ${rawLayerLabel(j, rawLayers[j])}; layer names must be unique` });
    } else firstAt.set(name, i);
  });

  let isGraph = false;
  const inbound = rawLayers.map((raw, i): number[] | null => {
    const type = isRecord(raw) ? raw.type : undefined;
    if (typeof type === 'string' && (MERGE_LAYER_TYPES as readonly string[]).includes(type)) isGraph = true;
    const names = rawInputs(raw);
    if (names === undefined) return [i - 1];
    if (names.length === 0) return null; // the schema says "a list of 1 to 16 names"
    const out: number[] = [];
    for (const n of names) {
      if (typeof n !== 'string') return null; // the schema reports the bad item
      if (n === MODEL_INPUT) { out.push(INPUT_INDEX); continue; }
      const j = firstAt.get(n);
      const label = rawLayerLabel(i, raw);
      if (j === undefined) {
        const earlier = [...firstAt].filter(([, k]) => k < i).map(([k]) => `"${k}"`);
        const known = earlier.length ? `earlier layers are named ${earlier.join(', ')}` : 'no earlier layer has a name';
        issues.push({ layerIndex: i, field: 'inputs', message: `${label}: inputs names ${show(n)}, which no layer is called (${known}; "${MODEL_INPUT}" is the model input)` });
        return null;
      }
      if (j === i) {
        issues.push({ layerIndex: i, field: 'inputs', message: `${label}: inputs names the layer itself ("${n}"), a cycle; name earlier layers only` });
        return null;
      }
      if (j > i) {
        issues.push({ layerIndex: i, field: 'inputs', message: `${label}: inputs names "${n}", which is ${rawLayerLabel(j, rawLayers[j])}, after it; inputs may name only earlier layers (no cycles or forward references)` });
        return null;
      }
      out.push(j);
    }
    if (new Set(out).size !== out.length) {
      issues.push({ layerIndex: i, field: 'inputs', message: `${rawLayerLabel(i, raw)}: inputs lists a layer twice (${names.map((n) => show(n)).join(', ')})` });
      return null;
    }
    if (out.length !== 1 || out[0] !== i - 1) isGraph = true;
    return out;
  });
  return { inbound, isGraph, issues };
}

/** True when a parsed spec's layers are a plain chain: built as a tf.Sequential exactly as before graphs existed. */
export function isChain(layers: readonly LayerSpec[]): boolean {
  return !resolveGraph(layers).isGraph;
}

/** Layers (other than the last) whose output no later layer takes: Keras would leave them out of the model. */
export function danglingLayers(inbound: readonly (number[] | null)[]): number[] {
  const used = new Set(inbound.flatMap((x) => x ?? []));
  return inbound.map((_, i) => i).filter((i) => i < inbound.length - 1 && !used.has(i));
}

export const isMerge = (type: LayerType): boolean => (MERGE_LAYER_TYPES as readonly string[]).includes(type);
