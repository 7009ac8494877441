// Chart themes and palettes (shared, pure): one place for the colours the screen and the PDF report agree on.
import type { EChartsOption } from 'echarts';

export interface ChartTheme {
  name: 'light' | 'dark';
  text: string;
  textMuted: string;
  axisLine: string;
  splitLine: string;
  background: string;
  /** Per-run colours; a run keeps its index across every chart. */
  palette: readonly string[];
  /** Low → high, for counts (confusion matrices). */
  sequential: readonly string[];
  /** Worse → neutral → better, for differences. */
  diverging: readonly [string, string, string];
  /** Low → high, for pixel intensities (inferno, as the seed's figure 5). */
  intensity: readonly string[];
  fontFamily: string;
}

/** Colour-blind-safe categorical palette (Okabe–Ito order, blue first). */
const RUN_PALETTE_LIGHT = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#7F7F7F', '#8C564B'] as const;
const RUN_PALETTE_DARK = ['#4EA3E0', '#F07B3F', '#2BC48F', '#E08FC0', '#F2B632', '#8ED1F5', '#B0B0B0', '#C49A8A'] as const;

/** Inferno colormap sampled at 9 stops (matplotlib), enough for a smooth ECharts gradient. */
export const INFERNO = ['#000004', '#1b0c41', '#4a0c6b', '#781c6d', '#a52c60', '#cf4446', '#ed6925', '#fb9b06', '#fcffa4'] as const;

export const LIGHT_THEME: ChartTheme = {
  name: 'light',
  text: '#1f2328',
  textMuted: '#57606a',
  axisLine: '#8c959f',
  splitLine: '#e6e8eb',
  background: 'transparent',
  palette: RUN_PALETTE_LIGHT,
  sequential: ['#f7fbff', '#c6dbef', '#6baed6', '#2171b5', '#08306b'],
  diverging: ['#c0392b', '#f4f4f4', '#1a9850'],
  intensity: INFERNO,
  // Unquoted family names: the string also lands inside SVG style attributes when rendered server-side.
  fontFamily: 'Inter, Segoe UI, system-ui, -apple-system, Helvetica Neue, Arial, DejaVu Sans, sans-serif',
};

export const DARK_THEME: ChartTheme = {
  name: 'dark',
  text: '#e6edf3',
  textMuted: '#9da7b3',
  axisLine: '#6e7681',
  splitLine: '#30363d',
  background: 'transparent',
  palette: RUN_PALETTE_DARK,
  sequential: ['#161b22', '#1f3b5c', '#2f6aa3', '#5aa2e0', '#cfe7ff'],
  diverging: ['#e5534b', '#2d333b', '#3fb950'],
  intensity: INFERNO,
  fontFamily: LIGHT_THEME.fontFamily,
};

/**
 * Status colours (accent, better, caution, worse), the same values as the renderer's CSS variables --accent/--ok/--warn/--bad
 * (renderer/src/styles/main.css); the PDF report takes the light set, so "better" is the same green on screen and on paper.
 */
export const STATUS_COLORS = {
  light: { accent: '#0b63c5', ok: '#1a7f37', warn: '#9a6700', bad: '#c0392b' },
  dark: { accent: '#4493f8', ok: '#3fb950', warn: '#d29922', bad: '#f85149' },
} as const;

/** A run's colour index: its place in creation order among all stored runs, so a run keeps one colour in every view and in the PDF. */
export function runColorIndex(runs: readonly { id: string; createdAt: string }[]): Map<string, number> {
  const sorted = [...runs].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  return new Map(sorted.map((r, i) => [r.id, i]));
}

/** Colours for runs shown together: each run's own, unless two would share one; then by position (as the Compare view does). */
export function colorsForRuns(runIds: readonly string[], index: ReadonlyMap<string, number> | undefined, theme: ChartTheme = LIGHT_THEME): string[] {
  const stable = runIds.map((id) => runColor(index?.get(id) ?? 0, theme));
  return index && new Set(stable).size === stable.length ? stable : runIds.map((_, i) => runColor(i, theme));
}

export function themeByName(name: 'light' | 'dark'): ChartTheme {
  return name === 'dark' ? DARK_THEME : LIGHT_THEME;
}

/** The colour of the run at `index` in a stable ordering (wraps around the palette). */
export function runColor(index: number, theme: ChartTheme = LIGHT_THEME): string {
  const n = theme.palette.length;
  return theme.palette[((index % n) + n) % n];
}

/** What every chart builder accepts besides its data. */
export interface ChartCommon {
  theme?: ChartTheme;
  title?: string;
  /** Off for static rendering (PDF) and for live charts that update several times a second. */
  animation?: boolean;
}

/** The parts of an option every chart shares: text colour, font, title. */
export function baseOption(common: ChartCommon, theme: ChartTheme): EChartsOption {
  return {
    backgroundColor: theme.background,
    animation: common.animation ?? true,
    textStyle: { color: theme.text, fontFamily: theme.fontFamily, fontSize: 12 },
    ...(common.title
      ? { title: { text: common.title, left: 'center', top: 4, textStyle: { color: theme.text, fontSize: 13, fontWeight: 600 } } }
      : {}),
  };
}

export function axisStyle(theme: ChartTheme) {
  return {
    axisLine: { lineStyle: { color: theme.axisLine } },
    axisTick: { lineStyle: { color: theme.axisLine } },
    axisLabel: { color: theme.textMuted },
    splitLine: { lineStyle: { color: theme.splitLine } },
    nameTextStyle: { color: theme.textMuted },
  };
}

/** Relative luminance of a #rrggbb colour in [0, 1], to pick readable label text on a coloured cell. */
export function luminance(hex: string): number {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex);
  if (!m) return 0.5;
  const v = parseInt(m[1], 16);
  const ch = [(v >> 16) & 255, (v >> 8) & 255, v & 255].map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
}

/** Linear interpolation through a list of #rrggbb stops at t in [0, 1]. */
export function interpolateColor(stops: readonly string[], t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = parseInt(stops[i].slice(1), 16);
  const b = parseInt(stops[i + 1].slice(1), 16);
  const mix = (shift: number) => Math.round(((a >> shift) & 255) * (1 - f) + ((b >> shift) & 255) * f);
  return `#${[16, 8, 0].map((s) => mix(s).toString(16).padStart(2, '0')).join('')}`;
}

/** Text colour that stays readable on `background`. */
export function labelColorOn(background: string): string {
  return luminance(background) > 0.4 ? '#111111' : '#ffffff';
}
