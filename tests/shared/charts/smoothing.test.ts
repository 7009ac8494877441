import { describe, expect, it } from 'vitest';
import { smoothEma, thinPoints } from '../../../shared/charts/smoothing.js';

describe('smoothEma', () => {
  it('returns the input unchanged at weight 0', () => {
    expect(smoothEma([3, 1, 4, 1, 5], 0)).toEqual([3, 1, 4, 1, 5]);
  });
  it('keeps a constant series constant thanks to bias correction', () => {
    for (const v of smoothEma([0.7, 0.7, 0.7, 0.7], 0.9)) expect(v).toBeCloseTo(0.7, 12);
  });
  it('approaches a step gradually', () => {
    const out = smoothEma([0, 0, 0, 1, 1, 1, 1], 0.5);
    expect(out[2]).toBe(0);
    expect(out[3]).toBeGreaterThan(0);
    expect(out[3]).toBeLessThan(out[4]);
    expect(out[6]).toBeLessThan(1);
  });
  it('carries non-finite points through without poisoning later ones', () => {
    const out = smoothEma([1, Number.NaN, 1], 0.5);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBeCloseTo(1, 12);
  });
  it('rejects weights outside [0, 1)', () => {
    expect(() => smoothEma([1], 1)).toThrow(/\[0, 1\)/);
    expect(() => smoothEma([1], -0.1)).toThrow(RangeError);
  });
});

describe('thinPoints', () => {
  it('keeps short series whole', () => {
    expect(thinPoints([1, 2, 3], 10)).toEqual([1, 2, 3]);
  });
  it('keeps first and last and at most max points', () => {
    const pts = Array.from({ length: 1001 }, (_, i) => i);
    const out = thinPoints(pts, 50);
    expect(out).toHaveLength(50);
    expect(out[0]).toBe(0);
    expect(out[49]).toBe(1000);
  });
});
