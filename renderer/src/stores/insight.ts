// Renderer store (insight): per run the weight/gradient histograms, calibration and embeddings, with worker progress.
import { defineStore } from 'pinia';
import { reactive } from 'vue';
import type { Calibration, Embedding, EmbeddingMethod, InsightProgress, TrainingHistograms } from '../../../shared/insight.js';
import { api } from '../api/host.js';

type Key = string;
const key = (runId: string, what: string): Key => `${runId}/${what}`;

export const useInsightStore = defineStore('insight', () => {
  const histograms = reactive<Record<string, TrainingHistograms | null>>({});
  const calibration = reactive<Record<string, Calibration>>({});
  const embeddings = reactive<Record<Key, Embedding>>({});
  /** Latest progress of a computation in the worker, keyed `${runId}/${task}`; removed when it ends. */
  const progress = reactive<Record<Key, InsightProgress>>({});
  const errors = reactive<Record<Key, string>>({});
  const pending = new Map<Key, Promise<unknown>>();

  function once<T>(k: Key, load: () => Promise<T>, store: (v: T) => void): Promise<T> {
    let p = pending.get(k) as Promise<T> | undefined;
    if (!p) {
      delete errors[k];
      p = load().then((v) => { store(v); return v; }, (err: unknown) => {
        errors[k] = err instanceof Error ? err.message : String(err);
        throw err;
      }).finally(() => { pending.delete(k); delete progress[k]; });
      pending.set(k, p);
    }
    return p;
  }

  function loadHistograms(runId: string, refresh = false): Promise<TrainingHistograms | null> {
    if (!refresh && runId in histograms) return Promise.resolve(histograms[runId]);
    return once(key(runId, 'histograms'), () => api().getTrainingHistograms({ runId }), (v) => (histograms[runId] = v));
  }

  function loadCalibration(runId: string): Promise<Calibration> {
    if (calibration[runId]) return Promise.resolve(calibration[runId]);
    return once(key(runId, 'calibration'), () => api().getCalibration({ runId }), (v) => (calibration[runId] = v));
  }

  function loadEmbedding(runId: string, method: EmbeddingMethod): Promise<Embedding> {
    const k = key(runId, `embedding-${method}`);
    if (embeddings[k]) return Promise.resolve(embeddings[k]);
    return once(k, () => api().getEmbedding({ runId, method }), (v) => (embeddings[k] = v));
  }

  function onProgress(p: InsightProgress) {
    if (pending.has(key(p.runId, p.task))) progress[key(p.runId, p.task)] = p;
  }

  return { histograms, calibration, embeddings, progress, errors, loadHistograms, loadCalibration, loadEmbedding, onProgress, key };
});
