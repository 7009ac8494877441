// Series smoothing for noisy per-batch curves (shared, pure): TensorBoard-style debiased EMA.

/**
 * Exponential moving average with bias correction, so the first points are not pulled toward 0.
 * weight 0 returns the input; weight close to 1 smooths heavily. Non-finite values are carried through
 * unchanged and do not poison the average.
 */
export function smoothEma(values: readonly number[], weight: number): number[] {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`smoothing weight must be in [0, 1), got ${weight}`);
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return v;
    last = last * weight + (1 - weight) * v;
    n += 1;
    const debias = weight === 0 ? 1 : 1 - weight ** n;
    return last / debias;
  });
}

/** Keep at most `max` points, evenly spaced, always including the last (for long per-batch series). */
export function thinPoints<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max || max < 2) return points.slice();
  const out: T[] = [];
  const step = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * step)]);
  return out;
}
