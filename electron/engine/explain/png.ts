// Engine/explain: a PNG of one image with its map overlaid (10× enlarged), beside the plain image, over a colour scale
// labelled with the map's range; digits are drawn from a small bitmap font, so no font files are needed.
import { PNG } from 'pngjs';
import { heatColor } from '../../../shared/heatmapColors.js';

const SCALE = 10;
const PAD = 12;
const SIDE = 28 * SCALE;

/** 3×5 glyphs, rows top to bottom, bits left to right. */
const GLYPHS: Record<string, number[]> = {
  '0': [7, 5, 5, 5, 7], '1': [2, 6, 2, 2, 7], '2': [7, 1, 7, 4, 7], '3': [7, 1, 7, 1, 7], '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7], '6': [7, 4, 7, 5, 7], '7': [7, 1, 1, 1, 1], '8': [7, 5, 7, 5, 7], '9': [7, 5, 7, 1, 7],
  '.': [0, 0, 0, 0, 2], '-': [0, 0, 7, 0, 0], e: [0, 7, 5, 6, 7], ' ': [0, 0, 0, 0, 0],
};

export interface OverlayPng {
  pixels: Uint8Array;
  heatmap: number[][];
  /** Largest map value: the top of the scale (the map is shown relative to it). */
  max: number;
  /** Overlay strength at the top of the scale, 0–1. */
  opacity?: number;
}

export function overlayPng({ pixels, heatmap, max, opacity = 0.75 }: OverlayPng): Buffer {
  const width = PAD * 3 + SIDE * 2;
  const barTop = PAD * 2 + SIDE;
  const height = barTop + 16 + 8 + 5 * 3 + PAD;
  const png = new PNG({ width, height });
  const put = (x: number, y: number, [r, g, b]: readonly number[]) => {
    const o = (y * width + x) * 4;
    png.data[o] = r; png.data[o + 1] = g; png.data[o + 2] = b; png.data[o + 3] = 255;
  };
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) put(x, y, [255, 255, 255]);
  for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) {
    const g = pixels[r * 28 + c];
    const v = max > 0 ? heatmap[r][c] / max : 0;
    const a = opacity * v;
    const h = heatColor(v);
    const over = [0, 1, 2].map((k) => Math.round((1 - a) * g + a * h[k]));
    for (let dy = 0; dy < SCALE; dy++) for (let dx = 0; dx < SCALE; dx++) {
      put(PAD + c * SCALE + dx, PAD + r * SCALE + dy, [g, g, g]);
      put(PAD * 2 + SIDE + c * SCALE + dx, PAD + r * SCALE + dy, over);
    }
  }
  const barLeft = PAD * 2 + SIDE;
  for (let x = 0; x < SIDE; x++) {
    const col = heatColor(x / (SIDE - 1));
    for (let y = 0; y < 16; y++) put(barLeft + x, barTop + y, col);
  }
  const text = (s: string, x0: number, y0: number, k = 3) => {
    let x = x0;
    for (const ch of s) {
      const g = GLYPHS[ch] ?? GLYPHS[' '];
      g.forEach((bits, row) => {
        for (let b = 0; b < 3; b++) if (bits & (4 >> b)) {
          for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) put(x + b * k + dx, y0 + row * k + dy, [0, 0, 0]);
        }
      });
      x += 4 * k;
    }
    return x - x0;
  };
  const label = formatMax(max);
  text('0', barLeft, barTop + 24);
  text(label, barLeft + SIDE - label.length * 12 + 3, barTop + 24);
  return PNG.sync.write(png);
}

function formatMax(v: number): string {
  if (v === 0) return '0';
  if (v >= 0.01 && v < 1000) return v.toPrecision(3).replace(/\.?0+$/, '');
  return v.toExponential(2);
}
