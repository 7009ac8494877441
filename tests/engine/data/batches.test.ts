import { describe, expect, it } from 'vitest';
import { fillBatch, fillLabels } from '../../../electron/engine/data/batches.js';
import { mulberry32 } from '../../../electron/engine/data/rng.js';

const P = 784;

/** Images that each hold one bright pixel at (y, x), value 255. */
function dots(...at: Array<[number, number]>): Uint8Array {
  const a = new Uint8Array(at.length * P);
  at.forEach(([y, x], i) => (a[i * P + y * 28 + x] = 255));
  return a;
}
const litPixels = (out: Float32Array, image = 0) => {
  const lit: Array<[number, number, number]> = [];
  for (let k = 0; k < P; k++) if (out[image * P + k] !== 0) lit.push([Math.floor(k / 28), k % 28, out[image * P + k]]);
  return lit;
};
/** An rng that replays the given values. */
const scripted = (...v: number[]) => () => {
  if (v.length === 0) throw new Error('scripted rng exhausted');
  return v.shift()!;
};

describe('fillBatch', () => {
  it('writes pixel/255 in index order and returns the count', () => {
    const images = new Uint8Array(3 * P);
    images.fill(51, 0, P);
    images.fill(255, P, 2 * P);
    images[2 * P + 5] = 1;
    const out = new Float32Array(4 * P).fill(-1);
    expect(fillBatch(images, [2, 0, 1], 0, 3, out)).toBe(3);
    expect(out[5]).toBe(Math.fround(1 / 255));
    expect(out[0]).toBe(0);
    expect(out[P]).toBe(Math.fround(0.2));
    expect(out[2 * P + 100]).toBe(1);
    expect(out[3 * P]).toBe(-1); // untouched beyond the batch
  });

  it('honours start/end within the index list', () => {
    const images = dots([0, 0], [1, 1], [2, 2]);
    const out = new Float32Array(2 * P);
    expect(fillBatch(images, Int32Array.of(0, 1, 2), 1, 3, out)).toBe(2);
    expect(litPixels(out, 0)).toEqual([[1, 1, 1]]);
    expect(litPixels(out, 1)).toEqual([[2, 2, 1]]);
  });

  it('refuses an output that is too small or an index out of range', () => {
    const images = dots([0, 0], [1, 1]);
    expect(() => fillBatch(images, [0, 1], 0, 2, new Float32Array(P))).toThrow(/output holds 784 values, 1568 needed/);
    expect(() => fillBatch(images, [0, 2], 0, 2, new Float32Array(2 * P))).toThrow(/image index 2 is outside the 2 images/);
    expect(() => fillBatch(images, [0, 1], 1, 3, new Float32Array(2 * P))).toThrow(/range \[1, 3\) is outside the 2 indices/);
  });

  it('shift moves pixels by (dx, dy)', () => {
    const out = new Float32Array(P);
    // maxShift 2: dx = floor(0.9·5) − 2 = +2, dy = floor(0.3·5) − 2 = −1
    fillBatch(dots([10, 10]), [0], 0, 1, out, { maxShift: 2, horizontalFlip: false, rng: scripted(0.9, 0.3) });
    expect(litPixels(out)).toEqual([[9, 12, 1]]);
  });

  it('shift pads with zeros and drops what leaves the frame', () => {
    const full = new Uint8Array(P).fill(255);
    const out = new Float32Array(P);
    fillBatch(full, [0], 0, 1, out, { maxShift: 3, horizontalFlip: false, rng: scripted(0.99, 0) }); // dx=+3, dy=−3
    const lit = litPixels(out);
    expect(lit.length).toBe(25 * 25);
    expect(lit.every(([y, x]) => x >= 3 && y <= 24)).toBe(true);
    const edge = new Float32Array(P);
    fillBatch(dots([5, 27]), [0], 0, 1, edge, { maxShift: 1, horizontalFlip: false, rng: scripted(0.99, 0.5) }); // dx=+1 pushes it out
    expect(litPixels(edge)).toEqual([]);
  });

  it('flip mirrors left-right, and comes before the shift', () => {
    const out = new Float32Array(P);
    fillBatch(dots([10, 3]), [0], 0, 1, out, { maxShift: 0, horizontalFlip: true, rng: scripted(0.1) });
    expect(litPixels(out)).toEqual([[10, 24, 1]]);
    fillBatch(dots([10, 3]), [0], 0, 1, out, { maxShift: 0, horizontalFlip: true, rng: scripted(0.7) });
    expect(litPixels(out)).toEqual([[10, 3, 1]]);
    fillBatch(dots([10, 3]), [0], 0, 1, out, { maxShift: 1, horizontalFlip: true, rng: scripted(0, 0.5, 0.2) }); // dx=−1, flip
    expect(litPixels(out)).toEqual([[10, 23, 1]]);
  });

  it('random augmentation stays in [0, 1], varies per image, and is reproducible per seed', () => {
    const images = new Uint8Array(50 * P);
    for (let i = 0; i < images.length; i++) images[i] = (i * 31) % 256;
    const idx = Int32Array.from({ length: 50 }, (_, i) => i);
    const a = new Float32Array(50 * P);
    const b = new Float32Array(50 * P);
    const plain = new Float32Array(50 * P);
    fillBatch(images, idx, 0, 50, a, { maxShift: 2, horizontalFlip: true, rng: mulberry32(5) });
    fillBatch(images, idx, 0, 50, b, { maxShift: 2, horizontalFlip: true, rng: mulberry32(5) });
    fillBatch(images, idx, 0, 50, plain);
    expect(a).toEqual(b);
    expect(a.every((v) => v >= 0 && v <= 1)).toBe(true);
    let changed = 0;
    for (let i = 0; i < 50; i++) if (a.subarray(i * P, (i + 1) * P).some((v, k) => v !== plain[i * P + k])) changed++;
    expect(changed).toBeGreaterThan(35); // 1/25 · 1/2 chance of identity per image
  });
});

describe('fillLabels', () => {
  it('gathers labels by index', () => {
    const out = new Int32Array(3).fill(-1);
    expect(fillLabels(Uint8Array.of(7, 8, 9, 1), [3, 0, 2], 1, 3, out)).toBe(2);
    expect(Array.from(out)).toEqual([7, 9, -1]);
    expect(() => fillLabels(Uint8Array.of(1), [4], 0, 1, out)).toThrow(/label index 4 is outside the 1 labels/);
  });
});
