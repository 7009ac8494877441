// Number formatting for the report (engine/report): one place decides how an accuracy, a p-value or a duration reads.

/** Accuracy as a fraction with four decimals, exact for any test set of 10,000 or a divisor of it ("0.8837"). */
export function formatAccuracy(value: number): string {
  return value.toFixed(4);
}

/** Accuracy as a percentage for prose ("88.37 %"). */
export function formatPercent(value: number, decimals = 2): string {
  return `${(value * 100).toFixed(decimals)}\u00a0%`;
}

/** A difference of two accuracies in percentage points, signed ("+2.24 pp"). */
export function formatPoints(delta: number, decimals = 2): string {
  const v = delta * 100;
  const s = Math.abs(v) < 0.5 * 10 ** -decimals ? 0 : v;
  return `${s > 0 ? '+' : s < 0 ? '−' : '±'}${Math.abs(s).toFixed(decimals)}\u00a0pp`;
}

/** A signed difference with a fixed number of decimals ("+0.0123", "−0.0040"). */
export function formatSigned(delta: number, decimals = 4): string {
  const r = Number(delta.toFixed(decimals));
  if (r === 0) return (0).toFixed(decimals);
  return `${r > 0 ? '+' : '−'}${Math.abs(r).toFixed(decimals)}`;
}

export function formatSignedInt(delta: number): string {
  if (delta === 0) return '0';
  return `${delta > 0 ? '+' : '−'}${Math.abs(delta).toLocaleString('en-US')}`;
}

export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatMetric(value: number, decimals = 4): string {
  return Number.isFinite(value) ? value.toFixed(decimals) : String(value);
}

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/** A p-value: four decimals down to 0.0001, then "2.3 × 10⁻⁸"; exact zero (underflow) reads "< 10⁻³⁰⁰". */
export function formatP(p: number): string {
  if (!Number.isFinite(p)) return String(p);
  if (p >= 0.0001) return p >= 0.99995 ? '1.0000' : p.toFixed(4);
  if (p === 0) return '< 10⁻³⁰⁰';
  const exp = Math.floor(Math.log10(p));
  const mant = p / 10 ** exp;
  const m = mant.toFixed(1);
  const [mm, ee] = m === '10.0' ? ['1.0', exp + 1] : [m, exp];
  return `${mm}\u00a0×\u00a010${String(ee).split('').map((ch) => SUPERSCRIPT[ch]).join('')}`;
}

/** Seconds as "42.1 s", "3 min 05 s" or "1 h 02 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${String(Math.round(seconds - m * 60)).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m - h * 60).padStart(2, '0')} min`;
}

/** mean ± std with the same decimals on both ("0.8837 ± 0.0021"). */
export function formatMeanStd(mean: number, std: number, decimals = 4): string {
  return `${mean.toFixed(decimals)} ± ${std.toFixed(decimals)}`;
}

export function formatDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function formatDateTime(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "1e-3" style for learning rates: short and exact. */
export function formatRate(x: number): string {
  if (x === 0) return '0';
  if (x >= 0.01 && x < 1000) return String(Number(x.toPrecision(6)));
  return x.toExponential().replace(/\.?0+e/, 'e').replace('e+', 'e');
}
