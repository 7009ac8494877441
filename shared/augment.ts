// Image augmentation (shared, pure): the per-image transforms and mixup the training loop applies per batch and the
// Data view's preview shows, one implementation for both. Images are 28×28 uint8; outputs are floats in [0, 1].
import { IMAGE_PIXELS, IMAGE_SIZE } from './classes.js';
import type { Hyperparameters } from './hyper.js';
import { sampleBeta } from './random.js';

export type AugmentationSettings = NonNullable<Hyperparameters['augmentation']>;

/** v/255 for every byte value: one table lookup per pixel instead of a division. */
export const SCALE = new Float32Array(256);
for (let v = 0; v < 256; v++) SCALE[v] = v / 255;

/** The shift/flip generator of a run is mulberry32(seed ^ this), one stream over the whole run (the seed's behaviour). */
export const SHIFT_STREAM_SALT = 0x5bd1e995;

/** The options added after shift and flip (rotation, zoom, cutout; mixup is per batch): all off unless set. */
export function hasPerImageExtras(a: AugmentationSettings | null | undefined): boolean {
  return !!a && ((a.rotation ?? 0) > 0 || (a.zoom ?? 0) > 0 || a.cutout != null);
}

export function mixupAlpha(a: AugmentationSettings | null | undefined): number {
  return a?.mixupAlpha ?? 0;
}

/** Writes image (flipped first if asked, then shifted by dx, dy) into out at o, zero padded: the seed's shift and flip. */
export function writeShifted(images: Uint8Array, s: number, out: Float32Array, o: number, dx: number, dy: number, flip: boolean): void {
  out.fill(0, o, o + IMAGE_PIXELS);
  const x0 = Math.max(0, dx);
  const x1 = Math.min(IMAGE_SIZE, IMAGE_SIZE + dx);
  const y0 = Math.max(0, dy);
  const y1 = Math.min(IMAGE_SIZE, IMAGE_SIZE + dy);
  for (let y = y0; y < y1; y++) {
    const srcRow = s + (y - dy) * IMAGE_SIZE;
    const dstRow = o + y * IMAGE_SIZE;
    if (flip) {
      for (let x = x0; x < x1; x++) out[dstRow + x] = SCALE[images[srcRow + IMAGE_SIZE - 1 - (x - dx)]];
    } else {
      for (let x = x0; x < x1; x++) out[dstRow + x] = SCALE[images[srcRow + x - dx]];
    }
  }
}

/** One image's draws for the extras, in the order they are taken from the batch's generator. */
export interface ExtraDraw {
  /** Radians, uniform in ±rotation. */
  angle: number;
  /** Uniform in [1 − zoom, 1 + zoom]. */
  scale: number;
  /** Top-left corner of the erased square, or null (coin failed or no cutout). */
  cut: { x: number; y: number; size: number } | null;
}

/** Draws angle (if rotation), scale (if zoom), then the cutout coin and centre (if cutout), skipping what is off. */
export function drawExtras(a: AugmentationSettings, rng: () => number): ExtraDraw {
  const r = a.rotation ?? 0;
  const z = a.zoom ?? 0;
  const angle = r > 0 ? ((rng() * 2 - 1) * r * Math.PI) / 180 : 0;
  const scale = z > 0 ? 1 + (rng() * 2 - 1) * z : 1;
  let cut: ExtraDraw['cut'] = null;
  if (a.cutout && rng() < a.cutout.probability) {
    // The centre is uniform over the image and the square is clipped at the border (DeVries & Taylor's cutout).
    const cx = Math.floor(rng() * IMAGE_SIZE);
    const cy = Math.floor(rng() * IMAGE_SIZE);
    const half = Math.floor(a.cutout.size / 2);
    cut = { x: cx - half, y: cy - half, size: a.cutout.size };
  }
  return { angle, scale, cut };
}

const CENTRE = (IMAGE_SIZE - 1) / 2;

/**
 * Flip, then rotate by `angle` and scale by `scale` about the centre, then shift by (dx, dy): each output pixel is the
 * bilinear sample of the source at the inverse-mapped point, 0 outside the image.
 */
export function writeWarped(images: Uint8Array, s: number, out: Float32Array, o: number, dx: number, dy: number, flip: boolean, angle: number, scale: number): void {
  const cos = Math.cos(angle) / scale;
  const sin = Math.sin(angle) / scale;
  const last = IMAGE_SIZE - 1;
  // One pass per output pixel, the four taps inlined: the source point moves by (cos, −sin) along a row.
  for (let y = 0; y < IMAGE_SIZE; y++) {
    const v = y - dy - CENTRE;
    const u0 = -dx - CENTRE;
    let sx = cos * u0 + sin * v + CENTRE;
    let sy = -sin * u0 + cos * v + CENTRE;
    const row = o + y * IMAGE_SIZE;
    for (let x = 0; x < IMAGE_SIZE; x++, sx += cos, sy -= sin) {
      // Inverse rotation (by −angle) and inverse zoom of the output point gives the source point (sx, sy).
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < -1 || y0 < -1 || x0 > last || y0 > last) {
        out[row + x] = 0;
        continue;
      }
      const fx = sx - x0;
      const fy = sy - y0;
      const c0 = flip ? last - x0 : x0;
      const c1 = flip ? c0 - 1 : c0 + 1;
      const r0 = s + y0 * IMAGE_SIZE;
      const r1 = r0 + IMAGE_SIZE;
      const inX0 = x0 >= 0;
      const inX1 = x0 < last;
      const inY0 = y0 >= 0;
      const inY1 = y0 < last;
      const p00 = inX0 && inY0 ? SCALE[images[r0 + c0]] : 0;
      const p10 = inX1 && inY0 ? SCALE[images[r0 + c1]] : 0;
      const p01 = inX0 && inY1 ? SCALE[images[r1 + c0]] : 0;
      const p11 = inX1 && inY1 ? SCALE[images[r1 + c1]] : 0;
      out[row + x] = (1 - fy) * ((1 - fx) * p00 + fx * p10) + fy * ((1 - fx) * p01 + fx * p11);
    }
  }
}

/** Sets the square (clipped to the image) to 0. */
export function eraseSquare(out: Float32Array, o: number, cut: NonNullable<ExtraDraw['cut']>): void {
  const x0 = Math.max(0, cut.x);
  const x1 = Math.min(IMAGE_SIZE, cut.x + cut.size);
  for (let y = Math.max(0, cut.y); y < Math.min(IMAGE_SIZE, cut.y + cut.size); y++) out.fill(0, o + y * IMAGE_SIZE + x0, o + y * IMAGE_SIZE + Math.max(x0, x1));
}

/** The whole per-image pipeline once dx, dy and flip are drawn: shift/flip (exact copy) or warp, then cutout. */
export function writeAugmentedImage(images: Uint8Array, s: number, out: Float32Array, o: number, dx: number, dy: number, flip: boolean, extra: ExtraDraw | null): void {
  if (extra && (extra.angle !== 0 || extra.scale !== 1)) writeWarped(images, s, out, o, dx, dy, flip, extra.angle, extra.scale);
  else writeShifted(images, s, out, o, dx, dy, flip);
  if (extra?.cut) eraseSquare(out, o, extra.cut);
}

/**
 * One image, drawn and written: dx, dy (if maxShift) and the flip coin (if horizontalFlip) from `rng`, in that order, then
 * the extras from `extraRng` (when given); then shift/flip or warp, then cutout. The training batches and the preview
 * both come through here.
 */
export function augmentImage(
  images: Uint8Array, s: number, out: Float32Array, o: number,
  a: Pick<AugmentationSettings, 'maxShift' | 'horizontalFlip'>, rng: () => number,
  extras: { settings: AugmentationSettings; rng: () => number } | null | undefined,
): void {
  const m = Math.max(0, Math.floor(a.maxShift));
  const dx = m > 0 ? Math.floor(rng() * (2 * m + 1)) - m : 0;
  const dy = m > 0 ? Math.floor(rng() * (2 * m + 1)) - m : 0;
  const flip = a.horizontalFlip && rng() < 0.5;
  writeAugmentedImage(images, s, out, o, dx, dy, flip, extras ? drawExtras(extras.settings, extras.rng) : null);
}

/** Copies of the batch mixup reads from while it writes x and targets (reused: a batch is 400 kB). */
const mixScratch = { x: new Float32Array(0), t: new Float32Array(0) };

/**
 * Mixup over one batch of n images (Zhang et al. 2018, one λ per batch as in their reference code): λ ~ Beta(α, α),
 * a random partner permutation, x ← λ·x + (1 − λ)·x[partner] and targets likewise. `targets` [n, classes] holds the
 * rows for the batch's own labels (one-hot or label-smoothed) and is mixed in place. Returns λ and the partners.
 */
export function mixBatch(x: Float32Array, targets: Float32Array, n: number, classes: number, alpha: number, rng: () => number): { lambda: number; partner: Int32Array } {
  const lambda = sampleBeta(alpha, alpha, rng);
  const partner = new Int32Array(n);
  for (let i = 0; i < n; i++) partner[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = partner[i];
    partner[i] = partner[j];
    partner[j] = t;
  }
  if (mixScratch.x.length < n * IMAGE_PIXELS) mixScratch.x = new Float32Array(n * IMAGE_PIXELS);
  if (mixScratch.t.length < n * classes) mixScratch.t = new Float32Array(n * classes);
  const xs = mixScratch.x;
  const ts = mixScratch.t;
  xs.set(x.subarray(0, n * IMAGE_PIXELS));
  ts.set(targets.subarray(0, n * classes));
  const mu = 1 - lambda;
  for (let i = 0; i < n; i++) {
    const a = i * IMAGE_PIXELS;
    const b = partner[i] * IMAGE_PIXELS;
    for (let k = 0; k < IMAGE_PIXELS; k++) x[a + k] = lambda * xs[a + k] + mu * xs[b + k];
    const ta = i * classes;
    const tb = partner[i] * classes;
    for (let c = 0; c < classes; c++) targets[ta + c] = lambda * ts[ta + c] + mu * ts[tb + c];
  }
  return { lambda, partner };
}
