// Augmentation preview (shared, pure): what training's first batch does to a handful of images, through the same code.
import { IMAGE_PIXELS, IMAGE_SIZE } from './classes.js';
import { augmentImage, hasPerImageExtras, mixBatch, mixupAlpha, SHIFT_STREAM_SALT, type AugmentationSettings } from './augment.js';
import { mulberry32, streamRng } from './random.js';

/** Purposes of the per-(seed, epoch, batch) generators (the engine's runOptions.ts uses the same numbers). */
export const AUGMENT_STREAM = { extras: 1, mixup: 2 } as const;

export interface AugmentPreview {
  /** The augmented images as 784 grey bytes each (rounded), in input order. */
  images: Uint8Array[];
  /** Mixup's λ and each image's partner (index into the input), or null without mixup. */
  mixup: { lambda: number; partner: Int32Array } | null;
}

/**
 * The images as batch 1 of epoch 1 of a run with this seed would see them if they made up that batch: the run's
 * shift/flip stream, the batch's extras and mixup streams, shared/augment.ts's transforms.
 */
export function augmentPreview(images: readonly Uint8Array[], labels: readonly number[], a: AugmentationSettings, seed: number, classes = 10): AugmentPreview {
  const n = images.length;
  const src = new Uint8Array(n * IMAGE_PIXELS);
  images.forEach((img, i) => src.set(img.subarray(0, IMAGE_PIXELS), i * IMAGE_PIXELS));
  const out = new Float32Array(n * IMAGE_PIXELS);
  const rng = mulberry32(seed ^ SHIFT_STREAM_SALT);
  const extras = hasPerImageExtras(a) ? { settings: a, rng: streamRng(seed, 0, 0, AUGMENT_STREAM.extras) } : null;
  for (let i = 0; i < n; i++) augmentImage(src, i * IMAGE_PIXELS, out, i * IMAGE_PIXELS, a, rng, extras);
  let mixup: AugmentPreview['mixup'] = null;
  if (mixupAlpha(a) > 0) {
    const targets = new Float32Array(n * classes);
    labels.forEach((l, i) => { targets[i * classes + l] = 1; });
    mixup = mixBatch(out, targets, n, classes, mixupAlpha(a), streamRng(seed, 0, 0, AUGMENT_STREAM.mixup));
  }
  const bytes = Array.from({ length: n }, (_, i) => {
    const px = new Uint8Array(IMAGE_SIZE * IMAGE_SIZE);
    for (let k = 0; k < IMAGE_PIXELS; k++) px[k] = Math.round(Math.min(1, Math.max(0, out[i * IMAGE_PIXELS + k])) * 255);
    return px;
  });
  return { images: bytes, mixup };
}
