// Renderer image helpers: base64 uint8 pixels from getImages → one 784-byte array per image.
import { IMAGE_PIXELS } from '../../../shared/classes.js';

export function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Splits the concatenated pixels of `count` images; throws when the byte count does not match. */
export function splitImages(bytes: Uint8Array, count: number): Uint8Array[] {
  if (bytes.length !== count * IMAGE_PIXELS) {
    throw new RangeError(`getImages returned ${bytes.length} bytes for ${count} images; expected ${count * IMAGE_PIXELS}`);
  }
  return Array.from({ length: count }, (_, i) => bytes.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS));
}

/** Grey pixels → RGBA; `invert` draws dark garments on white, as on paper. */
export function greyToRgba(pixels: Uint8Array, invert = false): Uint8ClampedArray {
  const out = new Uint8ClampedArray(pixels.length * 4);
  for (let i = 0; i < pixels.length; i++) {
    const v = invert ? 255 - pixels[i] : pixels[i];
    out[i * 4] = v;
    out[i * 4 + 1] = v;
    out[i * 4 + 2] = v;
    out[i * 4 + 3] = 255;
  }
  return out;
}
