// Engine/explain: finds image N of a run's test, validation or training split (the split its config made).
import type { DataConfig } from '../../../shared/hyper.js';
import { IMAGE_PIXELS } from '../../../shared/classes.js';
import type { ExplainSplit } from '../../../shared/explain.js';
import type { FashionMnist } from '../data/dataset.js';
import { makeSplit } from '../data/split.js';
import { ExplainError } from './errors.js';

export interface SplitImage {
  pixels: Uint8Array;
  label: number;
  /** Index into the file the split draws from (test file for "test", training file otherwise). */
  fileIndex: number;
}

export function splitImage(ds: FashionMnist, data: DataConfig, split: ExplainSplit, index: number): SplitImage {
  const s = makeSplit(data, ds.trainCount, ds.testCount);
  const list = s[split];
  if (!Number.isInteger(index) || index < 0 || index >= list.length) {
    throw new ExplainError(`image ${index} is outside this run's ${split} split (0–${list.length - 1})`, 'index');
  }
  const fileIndex = list[index];
  const images = split === 'test' ? ds.testImages : ds.trainImages;
  const labels = split === 'test' ? ds.testLabels : ds.trainLabels;
  return { pixels: images.slice(fileIndex * IMAGE_PIXELS, (fileIndex + 1) * IMAGE_PIXELS), label: labels[fileIndex], fileIndex };
}
