// Engine/insight: 2-D projections of feature vectors: PCA by power iteration, UMAP through umap-js; both seeded.
import { UMAP } from 'umap-js';
import { mulberry32 } from '../data/rng.js';

export interface Projection {
  x: Float64Array;
  y: Float64Array;
  /** PCA: the share of total variance each component explains. */
  explained: number[] | null;
}

/**
 * The first two principal components of `n` rows of `d` features (row-major), by power iteration on the implicit
 * covariance Xᵀ X / n (never formed: each step is two passes over the data, fine for wide layers) with deflation.
 * The start vector is seeded and each component's sign is fixed (its largest loading positive), so the result repeats.
 */
export function pca2(data: Float32Array, n: number, d: number, seed: number, maxIter = 200, tol = 1e-12): Projection {
  if (data.length !== n * d) throw new RangeError(`PCA input holds ${data.length} numbers, not ${n} rows × ${d} features`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= Math.max(n, 1);
  let total = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) { const c = data[i * d + j] - mean[j]; total += c * c; }
  total /= Math.max(n, 1);

  const rng = mulberry32(seed);
  const comps: Float64Array[] = [];
  const values: number[] = [];
  const xv = new Float64Array(n);
  const multiply = (v: Float64Array, out: Float64Array) => {
    // out = (X − mean)ᵀ (X − mean) v / n, then minus the found components' share (deflation).
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (data[i * d + j] - mean[j]) * v[j];
      xv[i] = s;
    }
    out.fill(0);
    for (let i = 0; i < n; i++) { const s = xv[i]; if (s !== 0) for (let j = 0; j < d; j++) out[j] += (data[i * d + j] - mean[j]) * s; }
    for (let j = 0; j < d; j++) out[j] /= Math.max(n, 1);
    comps.forEach((c, k) => {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += c[j] * v[j];
      for (let j = 0; j < d; j++) out[j] -= values[k] * dot * c[j];
    });
  };
  for (let k = 0; k < Math.min(2, d); k++) {
    let v = new Float64Array(d).map(() => rng() - 0.5);
    normalise(v);
    let w = new Float64Array(d);
    let lambda = 0;
    for (let it = 0; it < maxIter; it++) {
      multiply(v, w);
      const next = normalise(w);
      let diff = 0;
      for (let j = 0; j < d; j++) diff = Math.max(diff, Math.abs(w[j] - v[j]));
      [v, w] = [w, v];
      const done = Math.abs(next - lambda) <= tol * Math.max(next, 1e-30) && diff < 1e-9;
      lambda = next;
      if (done || next === 0) break;
    }
    let big = 0;
    for (let j = 1; j < d; j++) if (Math.abs(v[j]) > Math.abs(v[big])) big = j;
    if (v[big] < 0) for (let j = 0; j < d; j++) v[j] = -v[j];
    comps.push(v);
    values.push(lambda);
  }
  const x = new Float64Array(n), y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let a = 0, b = 0;
    for (let j = 0; j < d; j++) {
      const c = data[i * d + j] - mean[j];
      a += c * comps[0][j];
      if (comps[1]) b += c * comps[1][j];
    }
    x[i] = a; y[i] = b;
  }
  return { x, y, explained: values.map((l) => (total > 0 ? l / total : 0)) };
}

function normalise(v: Float64Array): number {
  let s = 0;
  for (let j = 0; j < v.length; j++) s += v[j] * v[j];
  const norm = Math.sqrt(s);
  if (norm > 0) for (let j = 0; j < v.length; j++) v[j] /= norm;
  return norm;
}

/** UMAP (umap-js, 15 neighbours, min_dist 0.1) with its random numbers from the seed; reports progress 0–1. */
export async function umap2(data: Float32Array, n: number, d: number, seed: number, onProgress?: (fraction: number) => void): Promise<Projection> {
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(data.subarray(i * d, (i + 1) * d)));
  const umap = new UMAP({ nComponents: 2, nNeighbors: 15, minDist: 0.1, random: mulberry32(seed) });
  const epochs = umap.initializeFit(rows);
  onProgress?.(0.2);
  for (let e = 0; e < epochs; e++) {
    umap.step();
    if (e % 20 === 0) {
      onProgress?.(0.2 + (0.8 * e) / epochs);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const out = umap.getEmbedding();
  return { x: Float64Array.from(out, (p) => p[0]), y: Float64Array.from(out, (p) => p[1]), explained: null };
}
