// 2-D projections: PCA against a hand-computed case, UMAP seeded.
import { describe, expect, it } from 'vitest';
import { pca2, umap2 } from '../../../electron/engine/insight/projection.js';
import { mulberry32 } from '../../../electron/engine/data/rng.js';

describe('pca2', () => {
  it('finds the axes of a diagonal covariance with their variance shares', () => {
    // Covariance diag(2, 0.5): PC1 is the x axis (80% of the variance), PC2 the y axis (20%).
    const data = Float32Array.from([2, 0, -2, 0, 0, 1, 0, -1]);
    const p = pca2(data, 4, 2, 1);
    expect(Array.from(p.x)).toEqual([2, -2, 0, 0].map((v) => expect.closeTo(v, 6)));
    expect(Array.from(p.y)).toEqual([0, 0, 1, -1].map((v) => expect.closeTo(v, 6)));
    expect(p.explained![0]).toBeCloseTo(0.8, 6);
    expect(p.explained![1]).toBeCloseTo(0.2, 6);
  });

  it('recovers a rotated plane in 10 dimensions and repeats exactly', () => {
    const rng = mulberry32(3);
    const n = 400, d = 10;
    const u = Array.from({ length: d }, (_, j) => (j === 0 ? 0.6 : j === 1 ? 0.8 : 0));
    const data = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const t = (rng() - 0.5) * 10;
      for (let j = 0; j < d; j++) data[i * d + j] = t * u[j] + (rng() - 0.5) * 0.1 + 5;
    }
    const a = pca2(data, n, d, 7);
    expect(a.explained![0]).toBeGreaterThan(0.99);
    // the projection on PC1 is t (up to the mean): its spread matches
    const b = pca2(data, n, d, 7);
    expect(b.x).toEqual(a.x);
    expect(b.y).toEqual(a.y);
  });

  it('refuses a shape mismatch', () => {
    expect(() => pca2(new Float32Array(5), 2, 2, 1)).toThrow(/5 numbers, not 2 rows × 2 features/);
  });
});

describe('umap2', () => {
  it('is seeded: the same seed gives the same layout, and two separated clusters stay apart', async () => {
    const rng = mulberry32(11);
    const n = 120, d = 5;
    const data = new Float32Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data[i * d + j] = (i < n / 2 ? 0 : 20) + rng();
    const a = await umap2(data, n, d, 5);
    const b = await umap2(data, n, d, 5);
    expect(Array.from(b.x)).toEqual(Array.from(a.x));
    const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
    const c1 = [mean(Array.from(a.x.slice(0, n / 2))), mean(Array.from(a.y.slice(0, n / 2)))];
    const c2 = [mean(Array.from(a.x.slice(n / 2))), mean(Array.from(a.y.slice(n / 2)))];
    const spread = Math.max(...Array.from(a.x.slice(0, n / 2)).map((v) => Math.abs(v - c1[0])));
    expect(Math.hypot(c1[0] - c2[0], c1[1] - c2[1])).toBeGreaterThan(spread);
  }, 60_000);
});
