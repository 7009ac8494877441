// Tests the augmentation transforms, their seeding, mixup and Beta sampling, and that the preview is the engine's batch.
import { describe, expect, it } from 'vitest';
import { IMAGE_PIXELS } from '../../shared/classes.js';
import { drawExtras, eraseSquare, mixBatch, writeShifted, writeWarped } from '../../shared/augment.js';
import { augmentPreview } from '../../shared/augmentPreview.js';
import { mulberry32, sampleBeta, streamRng } from '../../shared/random.js';
import { HyperparametersSchema } from '../../shared/hyper.js';
import { fillBatch } from '../../electron/engine/data/batches.js';
import { RunOptions } from '../../electron/engine/train/runOptions.js';

/** k images with a different pattern each (bright bar at row i+4, a gradient). */
function images(k: number): Uint8Array {
  const out = new Uint8Array(k * IMAGE_PIXELS);
  for (let i = 0; i < k; i++) for (let p = 0; p < IMAGE_PIXELS; p++) out[i * IMAGE_PIXELS + p] = (p * (i + 3)) % 256 & (Math.floor(p / 28) === i + 4 ? 255 : 127);
  return out;
}

describe('per-image transforms', () => {
  it('a warp without rotation or zoom equals the exact shift and flip', () => {
    const img = images(1);
    for (const [dx, dy, flip] of [[2, -1, false], [-3, 0, true], [0, 0, true]] as const) {
      const a = new Float32Array(IMAGE_PIXELS);
      const b = new Float32Array(IMAGE_PIXELS);
      writeShifted(img, 0, a, 0, dx, dy, flip);
      writeWarped(img, 0, b, 0, dx, dy, flip, 0, 1);
      b.forEach((v, i) => expect(v).toBeCloseTo(a[i], 6));
    }
  });

  it('a 90° rotation moves pixel (x, y) to (27 − y, x) about the centre', () => {
    const img = images(1);
    const out = new Float32Array(IMAGE_PIXELS);
    writeWarped(img, 0, out, 0, 0, 0, false, Math.PI / 2, 1);
    for (const [x, y] of [[3, 5], [20, 10], [0, 27]]) expect(out[x * 28 + (27 - y)]).toBeCloseTo(img[y * 28 + x] / 255, 5);
  });

  it('zoom out to 0.5×: the image covers the middle, the corners are blank', () => {
    const img = new Uint8Array(IMAGE_PIXELS);
    img.fill(200);
    const out = new Float32Array(IMAGE_PIXELS);
    writeWarped(img, 0, out, 0, 0, 0, false, 0, 0.5); // zoom out: the image covers the middle 14×14
    expect(out[14 * 28 + 14]).toBeCloseTo(200 / 255, 5);
    expect(out[0]).toBe(0);
  });

  it('cutout zeroes the square (clipped at the border) and nothing else', () => {
    const out = new Float32Array(IMAGE_PIXELS).fill(1);
    eraseSquare(out, 0, { x: -2, y: 25, size: 6 });
    let zeros = 0;
    out.forEach((v) => { if (v === 0) zeros++; });
    expect(zeros).toBe(4 * 3); // columns 0..3, rows 25..27
    expect(out[26 * 28 + 1]).toBe(0);
    expect(out[24 * 28 + 1]).toBe(1);
  });

  it('draws are seeded per (seed, epoch, batch): the same stream repeats, another batch differs, angles stay in range', () => {
    const a = { maxShift: 0, horizontalFlip: false, rotation: 15, zoom: 0.1, cutout: { probability: 0.5, size: 8 } };
    const d1 = Array.from({ length: 50 }, ((r) => () => drawExtras(a, r))(streamRng(7, 2, 3, 1)));
    const d2 = Array.from({ length: 50 }, ((r) => () => drawExtras(a, r))(streamRng(7, 2, 3, 1)));
    const d3 = Array.from({ length: 50 }, ((r) => () => drawExtras(a, r))(streamRng(7, 2, 4, 1)));
    expect(d1).toEqual(d2);
    expect(d1).not.toEqual(d3);
    for (const d of d1) {
      expect(Math.abs(d.angle)).toBeLessThanOrEqual((15 * Math.PI) / 180);
      expect(d.scale).toBeGreaterThanOrEqual(0.9);
      expect(d.scale).toBeLessThanOrEqual(1.1);
    }
    const cuts = d1.filter((d) => d.cut).length;
    expect(cuts).toBeGreaterThan(10);
    expect(cuts).toBeLessThan(40);
  });
});

describe('mixup', () => {
  it('Beta(α, α) has mean 1/2 and variance 1/(4(2α + 1))', () => {
    for (const alpha of [0.2, 1, 4]) {
      const rng = mulberry32(99);
      const xs = Array.from({ length: 20000 }, () => sampleBeta(alpha, alpha, rng));
      const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
      const variance = xs.reduce((s, v) => s + (v - mean) ** 2, 0) / xs.length;
      expect(mean).toBeCloseTo(0.5, 1);
      expect(variance / (1 / (4 * (2 * alpha + 1)))).toBeGreaterThan(0.9);
      expect(variance / (1 / (4 * (2 * alpha + 1)))).toBeLessThan(1.1);
    }
  });

  it('mixes images and targets with the same λ and partner; targets still sum to 1', () => {
    const n = 4;
    const x = Float32Array.from({ length: n * IMAGE_PIXELS }, (_, i) => Math.floor(i / IMAGE_PIXELS) / 10);
    const t = new Float32Array(n * 10);
    for (let i = 0; i < n; i++) t[i * 10 + i] = 1;
    const { lambda, partner } = mixBatch(x, t, n, 10, 0.4, mulberry32(3));
    for (let i = 0; i < n; i++) {
      expect(x[i * IMAGE_PIXELS + 5]).toBeCloseTo(lambda * (i / 10) + (1 - lambda) * (partner[i] / 10), 6);
      expect(t.subarray(i * 10, i * 10 + 10).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
      if (partner[i] !== i) expect(t[i * 10 + partner[i]]).toBeCloseTo(1 - lambda, 6);
    }
    expect([...partner].sort()).toEqual([0, 1, 2, 3]);
  });
});

describe('preview', () => {
  it('is exactly the engine\'s first batch for the same images (shift, flip, rotation, zoom, cutout, mixup)', () => {
    const k = 6;
    const src = images(k);
    const hyper = HyperparametersSchema.parse({
      learningRate: 0.01, batchSize: k, epochs: 1, seed: 11,
      augmentation: { maxShift: 2, horizontalFlip: true, rotation: 10, zoom: 0.1, cutout: { probability: 0.5, size: 8 }, mixupAlpha: 0.4 },
    });
    const options = new RunOptions(hyper);
    const x = new Float32Array(k * IMAGE_PIXELS);
    const y = Int32Array.from({ length: k }, (_, i) => i);
    options.beginBatch(0, 0);
    fillBatch(src, Int32Array.from({ length: k }, (_, i) => i), 0, k, x, options.augment);
    options.mix(x, y, k, 0, 0);
    const preview = augmentPreview(Array.from({ length: k }, (_, i) => src.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS)), [...y], hyper.augmentation!, 11);
    expect(preview.mixup).not.toBeNull();
    for (let i = 0; i < k; i++) {
      for (let p = 0; p < IMAGE_PIXELS; p++) expect(preview.images[i][p]).toBe(Math.round(Math.min(1, Math.max(0, x[i * IMAGE_PIXELS + p])) * 255));
    }
  });

  it('a shift/flip-only config fills batches exactly as before (no extras generator)', () => {
    const hyper = HyperparametersSchema.parse({ learningRate: 0.01, batchSize: 4, epochs: 1, augmentation: { maxShift: 2, horizontalFlip: true } });
    expect(new RunOptions(hyper).augment!.extra).toBeNull();
    expect(new RunOptions(HyperparametersSchema.parse({ learningRate: 0.01, batchSize: 4, epochs: 1 })).augment).toBeNull();
  });

  it('refuses out-of-range settings with messages naming the field', () => {
    const bad = (augmentation: unknown) => HyperparametersSchema.safeParse({ learningRate: 0.01, batchSize: 4, epochs: 1, augmentation }).error!.issues[0].message;
    expect(bad({ rotation: 90 })).toContain('rotation above 45°');
    expect(bad({ zoom: 0.8 })).toBe('zoom must be ≤ 0.5');
    expect(bad({ cutout: { probability: 0, size: 4 } })).toBe('cutout probability must be in (0, 1]');
    expect(bad({ mixupAlpha: -1 })).toBe('mixupAlpha must be ≥ 0');
    expect(HyperparametersSchema.safeParse({ learningRate: 0.01, batchSize: 4, epochs: 1, labelSmoothing: 0.6 }).error!.issues[0].message).toBe('labelSmoothing must be in [0, 0.5]');
  });
});
