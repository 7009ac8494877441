// Test helper: writes small, learnable Fashion-MNIST-shaped IDX files (and raw IDX bytes for corrupt variants).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FILE_NAMES } from '../../electron/engine/data/locate.js';
import { mulberry32, shuffleInPlace } from '../../electron/engine/data/rng.js';

const SIZE = 28;
const PIXELS = SIZE * SIZE;

/** IDX bytes: magic 0x801 + [count] for labels, 0x803 + [count, 28, 28] for images, then `data` as given (not checked). */
export function idxBytes(kind: 'images' | 'labels', data: Uint8Array, count: number): Uint8Array {
  const dims = kind === 'images' ? [count, SIZE, SIZE] : [count];
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x800 + dims.length, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, header);
  return out;
}

/**
 * Class c is a bright bar: classes 0–4 horizontal at rows 4+4c…, classes 5–9 vertical at columns 4+4(c−5)…,
 * jittered by up to one pixel, over background noise. Linearly separable, so a quick ANN or CNN gets far above chance.
 */
function drawImage(out: Uint8Array, offset: number, label: number, rng: () => number): void {
  for (let k = 0; k < PIXELS; k++) out[offset + k] = Math.floor(rng() * 48);
  const jitter = Math.floor(rng() * 3) - 1;
  const along = Math.floor(rng() * 3) - 1;
  const band = 4 + 4 * (label % 5) + jitter;
  for (let t = 0; t < 3; t++) {
    for (let u = 4 + along; u < 24 + along; u++) {
      const [y, x] = label < 5 ? [band + t, u] : [u, band + t];
      out[offset + y * SIZE + x] = 160 + Math.floor(rng() * 96);
    }
  }
}

/** Balanced labels (count/10 of each class, rest spread from class 0) in a seeded random order. */
function makeSet(count: number, rng: () => number): { images: Uint8Array; labels: Uint8Array } {
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i % 10;
  shuffleInPlace(order, rng);
  const labels = Uint8Array.from(order);
  const images = new Uint8Array(count * PIXELS);
  for (let i = 0; i < count; i++) drawImage(images, i * PIXELS, labels[i], rng);
  return { images, labels };
}

export async function writeFixtureDataset(dir: string, opts: { train: number; test: number; gzip?: boolean; seed?: number }): Promise<void> {
  await mkdir(dir, { recursive: true });
  const rng = mulberry32(opts.seed ?? 1);
  const train = makeSet(opts.train, rng);
  const test = makeSet(opts.test, rng);
  const files: Array<[string, Uint8Array]> = [
    [FILE_NAMES.trainImages, idxBytes('images', train.images, opts.train)],
    [FILE_NAMES.trainLabels, idxBytes('labels', train.labels, opts.train)],
    [FILE_NAMES.testImages, idxBytes('images', test.images, opts.test)],
    [FILE_NAMES.testLabels, idxBytes('labels', test.labels, opts.test)],
  ];
  await Promise.all(
    files.map(([name, bytes]) => (opts.gzip ? writeFile(join(dir, `${name}.gz`), gzipSync(bytes)) : writeFile(join(dir, name), bytes))),
  );
}
