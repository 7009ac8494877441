import { describe, expect, it } from 'vitest';
import { mulberry32, shuffleInPlace } from '../../../electron/engine/data/rng.js';

describe('mulberry32', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const sa = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(sa);
    expect(Array.from({ length: 5 }, c)).not.toEqual(sa);
  });

  it('stays in [0, 1) and is roughly uniform', () => {
    const r = mulberry32(7);
    const bins = new Array(10).fill(0);
    let sum = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const v = r();
      expect(v >= 0 && v < 1).toBe(true);
      bins[Math.floor(v * 10)]++;
      sum += v;
    }
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.01);
    for (const b of bins) expect(Math.abs(b - n / 10)).toBeLessThan(n / 10 * 0.1);
  });
});

describe('shuffleInPlace', () => {
  it('permutes in place, deterministically for a seed', () => {
    const a = Int32Array.from({ length: 100 }, (_, i) => i);
    const out = shuffleInPlace(a, mulberry32(1));
    expect(out).toBe(a);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(a)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    const b = shuffleInPlace(Int32Array.from({ length: 100 }, (_, i) => i), mulberry32(1));
    expect(Array.from(b)).toEqual(Array.from(a));
  });
});
