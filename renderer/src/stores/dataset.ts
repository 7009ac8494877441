// Renderer store (data set): where the data is, its statistics, download progress, and a cache of 28×28 images.
import { defineStore } from 'pinia';
import { ref, shallowReactive } from 'vue';
import type { ResponseOf } from '../../../shared/api.js';
import type { DataProgress, DatasetStats } from '../../../shared/data.js';
import { api } from '../api/host.js';
import { errorMessage } from '../api/errors.js';
import { decodeBase64, splitImages } from '../util/pixels.js';

export type DataStatus = ResponseOf<'getDataStatus'>;
export type ImageSplit = 'train' | 'test';

/** The contract caps one getImages request at 2000 images. */
export const IMAGES_PER_REQUEST = 2000;

export const useDatasetStore = defineStore('dataset', () => {
  const status = ref<DataStatus | null>(null);
  const stats = ref<DatasetStats | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const progress = ref<DataProgress | null>(null);
  /** `${split}:${index}` → 784 grey pixels. Not deep-reactive: the arrays never change once loaded. */
  const images = shallowReactive(new Map<string, Uint8Array>());
  const inFlight = new Map<string, Promise<void>>();
  /**
   * Bumped whenever the cached images are dropped (the data folder changed or no longer verifies). A reply to a request
   * sent before that is not filed, and views that show images watch it to ask again.
   */
  const generation = ref(0);

  function dropImages() {
    images.clear();
    inFlight.clear();
    generation.value++;
  }

  /** True when the last check asked for the download and still found nothing: the download itself failed. */
  const downloadFailed = ref(false);

  async function refresh(download = false) {
    loading.value = true;
    error.value = null;
    try {
      const known = status.value !== null;
      const before = status.value?.source?.dir ?? null;
      status.value = await api().getDataStatus({ download });
      downloadFailed.value = download && !status.value.found;
      // The page shows one data set or none: statistics and images of a folder that is no longer in use must go. The first
      // check changes nothing: images asked for before it came from the folder the engine uses, which is the one it reports.
      if (!status.value.found || (known && status.value.source?.dir !== before)) {
        stats.value = null;
        dropImages();
      }
      if (status.value.found) stats.value = await api().getDatasetStats({});
    } catch (err) {
      error.value = errorMessage(err);
    } finally {
      loading.value = false;
      progress.value = null;
    }
  }

  function onProgress(p: DataProgress) {
    progress.value = p;
  }

  function image(split: ImageSplit, index: number): Uint8Array | undefined {
    return images.get(`${split}:${index}`);
  }

  /** Loads the images not yet cached, in requests of at most IMAGES_PER_REQUEST. */
  async function ensureImages(split: ImageSplit, indices: readonly number[]): Promise<void> {
    const missing = [...new Set(indices)].filter((i) => !images.has(`${split}:${i}`) && !inFlight.has(`${split}:${i}`));
    const waits = [...new Set(indices)].map((i) => inFlight.get(`${split}:${i}`)).filter((p): p is Promise<void> => !!p);
    const asked = generation.value;
    for (let start = 0; start < missing.length; start += IMAGES_PER_REQUEST) {
      const chunk = missing.slice(start, start + IMAGES_PER_REQUEST);
      const job: Promise<void> = api()
        .getImages({ split, indices: chunk })
        .then(({ pixels }) => {
          const decoded = splitImages(decodeBase64(pixels), chunk.length);
          if (asked === generation.value) decoded.forEach((px, k) => images.set(`${split}:${chunk[k]}`, px));
        })
        .finally(() => chunk.forEach((i) => {
          if (inFlight.get(`${split}:${i}`) === job) inFlight.delete(`${split}:${i}`);
        }));
      chunk.forEach((i) => inFlight.set(`${split}:${i}`, job));
      waits.push(job);
    }
    await Promise.all(waits);
  }

  return { status, stats, loading, error, progress, downloadFailed, images, generation, refresh, onProgress, image, ensureImages };
});
