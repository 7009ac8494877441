// Renderer image helpers for explanations: a map over its image, activation channels and conv kernels as RGBA tiles.
import { heatColor } from '../../../shared/heatmapColors.js';

/**
 * The grey image with the map blended in: each pixel takes the map's colour with weight opacity·v (v the map value
 * over `max`), so where the map is zero the garment stays as it was.
 */
export function overlayRgba(pixels: Uint8Array, heatmap: readonly (readonly number[])[], max: number, opacity: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(784 * 4);
  for (let p = 0; p < 784; p++) {
    const g = pixels[p] ?? 0;
    const v = max > 0 ? Math.min(1, Math.max(0, heatmap[Math.floor(p / 28)][p % 28] / max)) : 0;
    const a = Math.min(1, Math.max(0, opacity)) * v;
    const [r, gg, b] = heatColor(v);
    out[p * 4] = (1 - a) * g + a * r;
    out[p * 4 + 1] = (1 - a) * g + a * gg;
    out[p * 4 + 2] = (1 - a) * g + a * b;
    out[p * 4 + 3] = 255;
  }
  return out;
}

/** One activation channel (h×w, non-negative after ReLU) in grey, scaled by `max` (the layer's largest value). */
export function channelRgba(values: readonly number[], max: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(values.length * 4);
  values.forEach((v, i) => {
    const g = max > 0 ? Math.round(255 * Math.min(1, Math.max(0, v / max))) : 0;
    out.set([g, g, g, 255], i * 4);
  });
  return out;
}

/** A signed kernel on a diverging scale: blue negative, white zero, red positive, scaled by `max` (largest |w|). */
export function kernelRgba(values: readonly number[], max: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(values.length * 4);
  values.forEach((w, i) => {
    const t = max > 0 ? Math.min(1, Math.abs(w) / max) : 0;
    const fade = Math.round(255 * (1 - t));
    out.set(w >= 0 ? [255, fade, fade, 255] : [fade, fade, 255, 255], i * 4);
  });
  return out;
}

/** Element-wise largest value (0 for none) of several arrays, as a shared scale. */
export function maxOf(arrays: readonly (readonly number[])[]): number {
  let m = 0;
  for (const a of arrays) for (const v of a) if (v > m) m = v;
  return m;
}
