// Renderer store (explanations): the inspector's method, layer and overlay settings, and cached answers of the
// explainImage and getFeatureMaps requests (one entry per run, image and settings).
import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import type { ExplainMethodName, ExplainResponse, FeatureMapsResponse } from '../../../shared/explain.js';
import type { ModelSpec } from '../../../shared/spec.js';
import { inferShapes } from '../../../shared/model/inferShapes.js';
import { api } from '../api/host.js';

/** Layer kinds Grad-CAM takes (as the engine's explain/network.ts CONV_CLASSES). */
const GRADCAM_TYPES: readonly string[] = ['Conv2D', 'SeparableConv2D', 'DepthwiseConv2D'];

/** The conv layers of a spec by the names the built model gives them (the same names Grad-CAM takes). */
export function convLayersOf(spec: ModelSpec): string[] {
  const report = inferShapes(spec);
  return spec.layers.map((l, i) => (GRADCAM_TYPES.includes(l.type) ? report.layers[i].name : null)).filter((n): n is string => n !== null);
}

/** Answers kept per session: maps are ~20 kB each, feature maps of a seed CNN ~0.5 MB. */
const MAX_RESULTS = 300;
const MAX_FEATURES = 20;

/** Keeps the newest `max` keys of a cache (object keys keep insertion order). */
function trim(cache: Record<string, unknown>, max: number): void {
  const keys = Object.keys(cache);
  for (const k of keys.slice(0, Math.max(0, keys.length - max))) delete cache[k];
}

export const useExplainStore = defineStore('explain', () => {
  const method = ref<ExplainMethodName>('gradcam');
  /** Grad-CAM layer; null = the last conv layer. */
  const layer = ref<string | null>(null);
  const overlay = ref(true);
  const opacity = ref(0.7);
  /** Which of the answer's maps lies on the large image: 0 = top class, 1 = second, 2 = "A and not B". */
  const shownMap = ref(0);
  const results = reactive<Record<string, ExplainResponse>>({});
  const features = reactive<Record<string, FeatureMapsResponse>>({});
  const convLayers = reactive<Record<string, string[]>>({});
  const pending = new Map<string, Promise<unknown>>();

  function once<T>(key: string, make: () => Promise<T>): Promise<T> {
    let p = pending.get(key) as Promise<T> | undefined;
    if (!p) {
      p = make().finally(() => pending.delete(key));
      pending.set(key, p);
    }
    return p;
  }

  /** The run's conv layers, from its stored model spec (empty: Grad-CAM is not offered). */
  async function loadConvLayers(runId: string): Promise<string[]> {
    if (convLayers[runId]) return convLayers[runId];
    const detail = await once(`run:${runId}`, () => api().getRun({ runId }));
    const spec = detail.config?.request.model;
    convLayers[runId] = spec ? convLayersOf(spec) : [];
    return convLayers[runId];
  }

  function key(runId: string, index: number, m: ExplainMethodName, l: string | null): string {
    return `${runId}|${index}|${m}|${m === 'gradcam' ? l ?? '' : ''}`;
  }

  /** The top-2 classes' maps and "why the first and not the second" for a test image, with the current settings. */
  async function explain(runId: string, index: number): Promise<ExplainResponse> {
    const m = method.value;
    const l = m === 'gradcam' ? layer.value : null;
    const k = key(runId, index, m, l);
    if (results[k]) return results[k];
    const r = await once(k, () => api().explainImage({ runId, split: 'test', index, method: m, top: 2, contrast: true, layer: l }));
    results[k] = r;
    trim(results, MAX_RESULTS);
    return r;
  }

  function cached(runId: string, index: number): ExplainResponse | undefined {
    return results[key(runId, index, method.value, method.value === 'gradcam' ? layer.value : null)];
  }

  async function featureMaps(runId: string, index: number): Promise<FeatureMapsResponse> {
    const k = `${runId}|${index}`;
    if (features[k]) return features[k];
    const r = await once(`features:${k}`, () => api().getFeatureMaps({ runId, split: 'test', index }));
    features[k] = r;
    trim(features, MAX_FEATURES);
    return r;
  }

  return { method, layer, overlay, opacity, shownMap, results, features, convLayers, loadConvLayers, explain, cached, featureMaps };
});
