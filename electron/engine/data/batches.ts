// Engine data layer: copies uint8 images into float batches (pixel/255), optionally augmented (shared/augment.ts), for the training loop.
import { IMAGE_PIXELS } from '../../../shared/classes.js';
import { augmentImage, SCALE, type AugmentationSettings } from '../../../shared/augment.js';

export interface Augment {
  /** Random integer shift in [-maxShift, maxShift] pixels, x and y independently; vacated pixels are 0. */
  maxShift: number;
  horizontalFlip: boolean;
  rng: () => number;
  /** Rotation, zoom and cutout (shared/augment.ts), drawn from their own generator, which the loop re-seeds per batch. */
  extra?: { settings: AugmentationSettings; rng: () => number } | null;
}

function checkRange(what: string, n: number, start: number, end: number, outLength: number, per: number): void {
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end >= start && end <= n)) {
    throw new RangeError(`${what}: range [${start}, ${end}) is outside the ${n} indices`);
  }
  if ((end - start) * per > outLength) {
    throw new RangeError(`${what}: output holds ${outLength} values, ${(end - start) * per} needed`);
  }
}

function imageOffset(images: Uint8Array, index: number): number {
  const s = index * IMAGE_PIXELS;
  if (!(index >= 0 && s + IMAGE_PIXELS <= images.length)) {
    throw new RangeError(`fillBatch: image index ${index} is outside the ${images.length / IMAGE_PIXELS} images`);
  }
  return s;
}

/**
 * Fills out with the images indices[start..end) as floats in [0, 1]; returns the number of images written.
 * With augment, each image draws dx, dy (and a flip coin if horizontalFlip) from augment.rng, in that order, then
 * its extras (rotation, zoom, cutout) from augment.extra.rng.
 */
export function fillBatch(
  images: Uint8Array,
  indices: ArrayLike<number>,
  start: number,
  end: number,
  out: Float32Array,
  augment?: Augment | null,
): number {
  checkRange('fillBatch', indices.length, start, end, out.length, IMAGE_PIXELS);
  const m = augment ? Math.max(0, Math.floor(augment.maxShift)) : 0;
  const doAugment = augment != null && (m > 0 || augment.horizontalFlip || augment.extra != null);
  for (let i = start; i < end; i++) {
    const s = imageOffset(images, indices[i]);
    const o = (i - start) * IMAGE_PIXELS;
    if (doAugment) {
      augmentImage(images, s, out, o, augment, augment.rng, augment.extra);
    } else {
      for (let k = 0; k < IMAGE_PIXELS; k++) out[o + k] = SCALE[images[s + k]];
    }
  }
  return end - start;
}

export function fillLabels(labels: Uint8Array, indices: ArrayLike<number>, start: number, end: number, out: Int32Array): number {
  checkRange('fillLabels', indices.length, start, end, out.length, 1);
  for (let i = start; i < end; i++) {
    const idx = indices[i];
    if (!(idx >= 0 && idx < labels.length)) throw new RangeError(`fillLabels: label index ${idx} is outside the ${labels.length} labels`);
    out[i - start] = labels[idx];
  }
  return end - start;
}
