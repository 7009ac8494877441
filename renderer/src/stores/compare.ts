// Renderer store (comparison): which runs are being compared, in order (A first), and their test predictions.
import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import type { Predictions } from '../../../shared/run.js';
import { api } from '../api/host.js';

export const useCompareStore = defineStore('compare', () => {
  const selected = ref<string[]>([]);
  const predictions = reactive<Record<string, Predictions>>({});
  const pending = new Map<string, Promise<Predictions>>();

  function toggle(runId: string) {
    const i = selected.value.indexOf(runId);
    if (i >= 0) selected.value.splice(i, 1);
    else selected.value.push(runId);
  }

  function setSelection(ids: readonly string[]) {
    selected.value = [...new Set(ids)];
  }

  /** Swaps A and B (the first two). */
  function swap() {
    if (selected.value.length >= 2) {
      const [a, b, ...rest] = selected.value;
      selected.value = [b, a, ...rest];
    }
  }

  async function loadPredictions(runId: string): Promise<Predictions> {
    if (predictions[runId]) return predictions[runId];
    let p = pending.get(runId);
    if (!p) {
      p = api().getPredictions({ runId }).finally(() => pending.delete(runId));
      pending.set(runId, p);
    }
    const result = await p;
    predictions[runId] = result;
    return result;
  }

  function forget(runId: string) {
    selected.value = selected.value.filter((id) => id !== runId);
    delete predictions[runId];
  }

  return { selected, predictions, toggle, setSelection, swap, loadPredictions, forget };
});
