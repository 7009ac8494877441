// The heatmap colour scale (shared): one map from [0, 1] to colour for the app's overlay, the CLI's PNG and the PDF,
// so a map reads the same everywhere. Inferno (matplotlib), perceptually uniform and readable in greyscale print.
const INFERNO: ReadonlyArray<readonly [number, number, number]> = [
  [0, 0, 4], [40, 11, 84], [101, 21, 110], [159, 42, 99], [212, 72, 66], [245, 125, 21], [250, 193, 39], [252, 255, 164],
];

/** RGB (0–255) for v in [0, 1] (clamped). */
export function heatColor(v: number): [number, number, number] {
  const t = Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)) * (INFERNO.length - 1);
  const i = Math.min(INFERNO.length - 2, Math.floor(t));
  const f = t - i;
  const a = INFERNO[i];
  const b = INFERNO[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as [number, number, number];
}

export function heatColorCss(v: number): string {
  const [r, g, b] = heatColor(v);
  return `rgb(${r},${g},${b})`;
}

/** Largest value of a map (0 for an all-zero map), the scale's top. */
export function heatmapMax(rows: readonly (readonly number[])[]): number {
  let m = 0;
  for (const row of rows) for (const v of row) if (v > m) m = v;
  return m;
}
