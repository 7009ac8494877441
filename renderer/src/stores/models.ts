// Renderer store (model drafts): the user's editable specs, kept in localStorage, checked live by inferShapes.
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { Preset } from '../../../shared/api.js';
import type { HyperparametersInput } from '../../../shared/hyper.js';
import { ModelSpecSchema, type LayerType } from '../../../shared/spec.js';
import { inferShapes, type ShapeReport } from '../../../shared/model/inferShapes.js';
import { api } from '../api/host.js';
import { errorMessage } from '../api/errors.js';
import { LAYER_DEFAULTS, layerForPosition } from './layerDefaults.js';
import { residualBlock } from './residualBlock.js';
import { startDiskSync } from './draftSync.js';
import { draftFileStem, type DraftFile } from '../../../shared/drafts.js';

export const DRAFTS_STORAGE_KEY = 'fmw_model_drafts';
/** Set once the presets have been copied into drafts, so deleting them all does not bring them back. */
export const SEEDED_STORAGE_KEY = 'fmw_model_drafts_seeded';

export interface DraftLayer {
  /** Stable key for list rendering; not part of the spec. */
  key: number;
  layer: Record<string, unknown>;
}

export interface ModelDraft {
  id: string;
  name: string;
  inputShape: number[];
  layers: DraftLayer[];
  /** The preset this draft started from, if any (sent with training requests). */
  presetId: string | null;
  /** Hyperparameters suggested by that preset. */
  hyper: HyperparametersInput | null;
  updatedAt: string;
}

/** The spec as inferShapes and startRun see it. */
export function draftSpec(d: ModelDraft): { name: string; inputShape: number[]; layers: Record<string, unknown>[] } {
  return { name: d.name, inputShape: d.inputShape, layers: d.layers.map((l) => l.layer) };
}

/** `base`, else `base-2`, `base-3` … (`Seed CNN 2` for a name with spaces): the first name no draft has yet, case-insensitive. */
export function uniqueName(base: string, taken: Iterable<string>): string {
  // Compared as file stems: two names that are one file in the drafts folder count as the same name.
  const used = new Set([...taken].map((n) => draftFileStem(n)));
  const stem = base.trim() || 'model';
  if (!used.has(draftFileStem(stem))) return stem;
  // "seed-cnn-2" copied again becomes "seed-cnn-3", not "seed-cnn-2-2".
  const m = /^(.*?)([-\s])(\d+)$/.exec(stem);
  const counted = m !== null && used.has(draftFileStem(m[1]));
  const root = counted ? m[1] : stem;
  const sep = counted ? m[2] : /\s/.test(stem) ? ' ' : '-';
  for (let i = counted ? Number(m[3]) + 1 : 2; ; i++) {
    const name = `${root}${sep}${i}`;
    if (!used.has(draftFileStem(name))) return name;
  }
}

/** Input shape and layers with the schema's defaults filled in, as text: two specs that train the same network compare equal. */
function architectureKey(spec: { inputShape: unknown; layers: unknown }): string | null {
  const parsed = ModelSpecSchema.safeParse({ name: 'x', inputShape: spec.inputShape, layers: spec.layers });
  return parsed.success ? JSON.stringify([parsed.data.inputShape, parsed.data.layers]) : null;
}

export interface DraftOrigin {
  /** The preset id to send with a training request: only while the draft still is that preset's network. */
  preset: string | undefined;
  /** The model name to train under; never the preset's own name for a network that differs from it. */
  modelName: string;
  /** The preset an edited draft started from (for the "edited from …" note), else null. */
  editedFrom: Preset | null;
}

/**
 * Where a draft came from, as a training request should say it. The engine names a run after its preset when it has one,
 * so a draft whose layers were edited must not send the preset, nor keep the preset's model name.
 */
export function draftOrigin(d: ModelDraft, presets: readonly Preset[]): DraftOrigin {
  const p = d.presetId ? presets.find((x) => x.id === d.presetId) : undefined;
  if (!p) return { preset: undefined, modelName: d.name, editedFrom: null };
  const mine = architectureKey(draftSpec(d));
  if (mine !== null && mine === architectureKey(p.model)) return { preset: p.id, modelName: d.name, editedFrom: null };
  const clash = [p.id, p.title, p.model.name].some((n) => n.trim().toLowerCase() === d.name.trim().toLowerCase());
  const custom = /\s/.test(d.name.trim()) ? `${d.name.trim()} (custom)` : `${d.name.trim()}-custom`;
  return { preset: undefined, modelName: clash ? custom : d.name, editedFrom: p };
}

let keySeq = 1;
const nextKey = () => keySeq++;
const newId = () => `d${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;

function loadDrafts(storage: Storage | undefined): ModelDraft[] {
  if (!storage) return [];
  try {
    const raw = storage.getItem(DRAFTS_STORAGE_KEY);
    if (!raw) return [];
    const parsed = JSON.parse(raw) as ModelDraft[];
    if (!Array.isArray(parsed)) return [];
    return parsed.map((d) => ({ ...d, layers: d.layers.map((l) => ({ key: nextKey(), layer: l.layer })) }));
  } catch (err) {
    console.error(`workbench: model drafts in localStorage could not be read (${errorMessage(err)}); starting empty`);
    return [];
  }
}

export const useModelsStore = defineStore('models', () => {
  const storage = typeof window !== 'undefined' ? window.localStorage : undefined;
  const drafts = ref<ModelDraft[]>(loadDrafts(storage));
  const presets = ref<Preset[]>([]);
  const presetsError = ref<string | null>(null);
  const currentId = ref<string | null>(drafts.value[0]?.id ?? null);
  /** Why the drafts folder could not be read or written, if it could not. */
  const diskError = ref<string | null>(null);
  let diskSync: Promise<unknown> | null = null;

  const current = computed(() => drafts.value.find((d) => d.id === currentId.value) ?? null);
  /** Live check of the current draft: shapes, parameters and issues, recomputed as the user types. */
  const report = computed<ShapeReport | null>(() => (current.value ? inferShapes(draftSpec(current.value)) : null));

  watch(drafts, (ds) => storage?.setItem(DRAFTS_STORAGE_KEY, JSON.stringify(ds)), { deep: true });

  async function loadPresets() {
    try {
      presets.value = await api().listPresets({});
      presetsError.value = null;
      // First start: every preset becomes an editable draft, so the editor opens on something real.
      if (drafts.value.length === 0 && !storage?.getItem(SEEDED_STORAGE_KEY) && presets.value.length > 0) {
        presets.value.forEach((p) => fromPreset(p));
        currentId.value = drafts.value[0].id;
        storage?.setItem(SEEDED_STORAGE_KEY, '1');
      }
    } catch (err) {
      presetsError.value = errorMessage(err);
    }
    diskSync ??= syncWithDisk();
    await diskSync;
  }

  /** Drafts live on disk (shared with the CLI); localStorage keeps a copy for the editor's first paint. */
  async function syncWithDisk() {
    try {
      await startDiskSync({ drafts, storage, error: diskError, make: fromFile });
      if (!current.value) currentId.value = drafts.value[0]?.id ?? null;
    } catch (err) {
      diskError.value = `drafts are kept in this browser only: the drafts folder could not be read (${errorMessage(err)})`;
    }
  }

  function fromFile(file: DraftFile): ModelDraft {
    const p = file.presetId ? presets.value.find((x) => x.id === file.presetId) : undefined;
    return {
      id: newId(), name: file.spec.name, inputShape: [...file.spec.inputShape], presetId: file.presetId, hyper: p?.hyper ?? null, updatedAt: file.savedAt,
      layers: file.spec.layers.map((l) => ({ key: nextKey(), layer: (l && typeof l === 'object' ? { ...(l as Record<string, unknown>) } : { type: String(l) }) })),
    };
  }

  /** Adds an imported spec (already checked) as a new draft under a unique name. */
  function addImported(spec: { name: string; inputShape: readonly number[]; layers: readonly unknown[] }): ModelDraft {
    return add({
      name: uniqueName(spec.name, names()), inputShape: [...spec.inputShape], presetId: null, hyper: null,
      layers: spec.layers.map((l) => ({ key: nextKey(), layer: JSON.parse(JSON.stringify(l)) as Record<string, unknown> })),
    });
  }

  function add(d: Omit<ModelDraft, 'id' | 'updatedAt'>): ModelDraft {
    const draft: ModelDraft = { ...d, id: newId(), updatedAt: new Date().toISOString() };
    drafts.value.push(draft);
    currentId.value = draft.id;
    return draft;
  }

  const names = () => drafts.value.map((d) => d.name);

  function fromPreset(p: Preset): ModelDraft {
    return add({
      name: uniqueName(p.model.name, names()),
      inputShape: [...p.model.inputShape],
      layers: p.model.layers.map((l) => ({ key: nextKey(), layer: JSON.parse(JSON.stringify(l)) as Record<string, unknown> })),
      presetId: p.id,
      hyper: p.hyper,
    });
  }

  function blank(flat = true): ModelDraft {
    return add({
      name: uniqueName('my-model', names()),
      inputShape: flat ? [784] : [28, 28, 1],
      layers: [{ key: nextKey(), layer: { type: 'Dense', units: 10, activation: 'softmax' } }],
      presetId: null,
      hyper: null,
    });
  }

  function duplicate(id: string): ModelDraft | null {
    const src = drafts.value.find((d) => d.id === id);
    if (!src) return null;
    return add({ ...JSON.parse(JSON.stringify(src)), name: uniqueName(`${src.name}-copy`, names()), layers: src.layers.map((l) => ({ key: nextKey(), layer: { ...l.layer } })) });
  }

  function remove(id: string) {
    const i = drafts.value.findIndex((d) => d.id === id);
    if (i < 0) return;
    drafts.value.splice(i, 1);
    if (currentId.value === id) currentId.value = drafts.value[Math.max(0, i - 1)]?.id ?? null;
  }

  function select(id: string) {
    currentId.value = id;
  }

  function touch(d: ModelDraft) {
    d.updatedAt = new Date().toISOString();
  }

  function setField(layerIndex: number, key: string, value: unknown) {
    const d = current.value;
    if (!d) return;
    const l = d.layers[layerIndex].layer;
    if (value === undefined) delete l[key];
    else l[key] = value;
    touch(d);
  }

  function setType(layerIndex: number, type: LayerType) {
    const d = current.value;
    if (!d) return;
    // A layer's place in the graph survives a change of its type.
    const { name, inputs } = d.layers[layerIndex].layer;
    d.layers[layerIndex].layer = { ...LAYER_DEFAULTS[type], ...(name === undefined ? {} : { name }), ...(inputs === undefined ? {} : { inputs }) };
    touch(d);
  }

  function insertLayer(at: number, type: LayerType) {
    const d = current.value;
    if (!d) return;
    d.layers.splice(at, 0, { key: nextKey(), layer: { ...LAYER_DEFAULTS[type] } });
    touch(d);
  }

  /** A row's "+": inserts below `index` the layer that fits there (a conv in a conv stack, Dense after Flatten); returns its type. */
  function insertFitting(index: number): string | null {
    const d = current.value;
    if (!d) return null;
    const at = index + 1;
    const shapes = report.value?.layers ?? [];
    const before = index < 0 ? d.inputShape : shapes[index] ? shapes[index].outputShape.slice(1) : null;
    const layer = layerForPosition(d.layers.map((l) => l.layer), at, d.inputShape, before);
    d.layers.splice(at, 0, { key: nextKey(), layer });
    touch(d);
    return String(layer.type);
  }

  /** Inserts a residual block at `at` (see residualBlock); returns false when the tensor there is not a feature map. */
  function insertResidual(at: number, filters: number): boolean {
    const d = current.value;
    if (!d) return false;
    const shapes = report.value?.layers ?? [];
    const before = at === 0 ? d.inputShape : shapes[at - 1] ? shapes[at - 1].outputShape.slice(1) : null;
    const block = residualBlock(d.layers.map((l) => l.layer), at, before, filters);
    if (!block) return false;
    if (block.nameBefore) d.layers[block.nameBefore.index].layer.name = block.nameBefore.name;
    d.layers.splice(at, 0, ...block.layers.map((layer) => ({ key: nextKey(), layer })));
    touch(d);
    return true;
  }

  function removeLayer(index: number) {
    const d = current.value;
    if (!d) return;
    d.layers.splice(index, 1);
    touch(d);
  }

  function moveLayer(index: number, delta: -1 | 1) {
    const d = current.value;
    const to = index + delta;
    if (!d || to < 0 || to >= d.layers.length) return;
    const [l] = d.layers.splice(index, 1);
    d.layers.splice(to, 0, l);
    touch(d);
  }

  function rename(name: string) {
    if (current.value) {
      current.value.name = name;
      touch(current.value);
    }
  }

  function setInputShape(shape: number[]) {
    if (current.value) {
      current.value.inputShape = shape;
      touch(current.value);
    }
  }

  return {
    drafts, presets, presetsError, currentId, current, report, diskError,
    loadPresets, addImported, fromPreset, blank, duplicate, remove, select, setField, setType, insertLayer, insertFitting, insertResidual, removeLayer, moveLayer, rename, setInputShape,
  };
});
