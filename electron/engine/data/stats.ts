// Engine data layer: the numbers behind the EDA views (class balance, mean images, pixel histogram, sample grid).
import { IMAGE_PIXELS, NUM_CLASSES } from '../../../shared/classes.js';
import type { DatasetStats } from '../../../shared/data.js';
import type { FashionMnist } from './dataset.js';
import type { SplitIndices } from './split.js';

function classCounts(labels: Uint8Array, indices: Int32Array): number[] {
  const counts = new Array<number>(NUM_CLASSES).fill(0);
  for (let i = 0; i < indices.length; i++) counts[labels[indices[i]]]++;
  return counts;
}

/** Mean images, histogram and samples are over the training split only, as the seed's EDA did. */
export function computeStats(ds: FashionMnist, split: SplitIndices, samplesPerClass = 10): DatasetStats {
  const { trainImages, trainLabels } = ds;
  // Per-class pixel sums; the overall mean is their total, so each pixel is read once.
  const sums = new Float64Array(NUM_CLASSES * IMAGE_PIXELS);
  const hist = new Float64Array(256);
  const perClass = new Array<number>(NUM_CLASSES).fill(0);
  const samples: number[][] = Array.from({ length: NUM_CLASSES }, () => []);
  const idx = split.train;
  for (let i = 0; i < idx.length; i++) {
    const n = idx[i];
    const c = trainLabels[n];
    perClass[c]++;
    if (samples[c].length < samplesPerClass) samples[c].push(n);
    const s = n * IMAGE_PIXELS;
    const base = c * IMAGE_PIXELS;
    for (let k = 0; k < IMAGE_PIXELS; k++) {
      const v = trainImages[s + k];
      sums[base + k] += v;
      hist[v]++;
    }
  }
  const classMeanImages: number[][] = [];
  const total = new Float64Array(IMAGE_PIXELS);
  for (let c = 0; c < NUM_CLASSES; c++) {
    const img = new Array<number>(IMAGE_PIXELS);
    const denom = perClass[c] * 255;
    for (let k = 0; k < IMAGE_PIXELS; k++) {
      const v = sums[c * IMAGE_PIXELS + k];
      total[k] += v;
      img[k] = denom > 0 ? v / denom : 0;
    }
    classMeanImages.push(img);
  }
  const denom = idx.length * 255;
  const meanImage = Array.from(total, (v) => (denom > 0 ? v / denom : 0));
  return {
    source: ds.source,
    splitSizes: { train: split.train.length, validation: split.validation.length, test: split.test.length },
    classCounts: {
      train: perClass,
      validation: classCounts(trainLabels, split.validation),
      test: classCounts(ds.testLabels, split.test),
    },
    meanImage,
    classMeanImages,
    pixelHistogram: Array.from(hist),
    sampleIndices: samples,
  };
}
