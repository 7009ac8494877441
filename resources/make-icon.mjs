#!/usr/bin/env node
// Packaging asset generator: draws the 512×512 app icon (a Fashion-MNIST-style 28×28 T-shirt on a gradient tile) to resources/icon.png.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const SIZE = 512;
const GRID = 28;
const CELL = 13; // 28 × 13 = 364 px of "pixels", centred
const OFFSET = Math.round((SIZE - GRID * CELL) / 2);
const RADIUS = 96;

/** Intensity 0..1 of the 28×28 T-shirt, shaded like a real sample (brighter body, softer edges). */
function shirt(x, y) {
  const cx = 13.5;
  const inBody = x >= 8 && x <= 19 && y >= 6 && y <= 24;
  // Short sleeves slope down and out from the shoulders; d is the distance outward from the body.
  const sleeve = (d) => d >= 1 && d <= 5 && y >= 6 + Math.floor(d * 0.8) && y <= 12 + Math.floor(d * 0.6);
  const inLeftSleeve = sleeve(8 - x);
  const inRightSleeve = sleeve(x - 19);
  const neck = (x - cx) ** 2 / 9 + (y - 5) ** 2 / 4 < 1;
  if (neck || !(inBody || inLeftSleeve || inRightSleeve)) return 0;
  const edge = Math.min(Math.abs(x - 8), Math.abs(x - 19), Math.abs(y - 24), 3) / 3;
  const fold = 0.08 * Math.sin((x + y) / 2.5);
  return Math.max(0.35, Math.min(1, 0.55 + 0.4 * edge + fold - (inBody ? 0 : 0.12)));
}

function insideRoundedSquare(px, py) {
  const m = 16; // margin
  const lo = m + RADIUS;
  const hi = SIZE - m - RADIUS;
  const dx = px < lo ? lo - px : px > hi ? px - hi : 0;
  const dy = py < lo ? lo - py : py > hi ? py - hi : 0;
  if (px < m || px >= SIZE - m || py < m || py >= SIZE - m) return 0;
  const d = Math.hypot(dx, dy);
  return Math.max(0, Math.min(1, RADIUS - d + 0.5)); // one pixel of anti-aliasing
}

const png = new PNG({ width: SIZE, height: SIZE });
for (let py = 0; py < SIZE; py++) {
  for (let px = 0; px < SIZE; px++) {
    const i = (py * SIZE + px) * 4;
    const alpha = insideRoundedSquare(px, py);
    // Diagonal gradient, deep indigo to teal.
    const t = (px + py) / (2 * SIZE);
    let r = 38 + (20 - 38) * t;
    let g = 42 + (132 - 42) * t;
    let b = 110 + (148 - 110) * t;
    const gx = Math.floor((px - OFFSET) / CELL);
    const gy = Math.floor((py - OFFSET) / CELL);
    const inCell = (px - OFFSET) % CELL < CELL - 1 && (py - OFFSET) % CELL < CELL - 1;
    if (gx >= 0 && gx < GRID && gy >= 0 && gy < GRID && inCell) {
      const v = shirt(gx, gy);
      r += (250 - r) * v;
      g += (248 - g) * v;
      b += (240 - b) * v;
    }
    png.data[i] = Math.round(r);
    png.data[i + 1] = Math.round(g);
    png.data[i + 2] = Math.round(b);
    png.data[i + 3] = Math.round(255 * alpha);
  }
}

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'icon.png');
writeFileSync(out, PNG.sync.write(png));
console.log(`wrote ${out}`);
