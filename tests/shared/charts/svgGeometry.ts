// Test helper: where ECharts' SVG output put its texts and lines, to check that labels keep clear of each other.

export interface SvgText {
  text: string;
  /** Anchor point (translate) plus the text's own y offset. */
  x: number;
  y: number;
  fontSize: number;
  anchor: string;
}

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/&quot;/g, '"');

/** Every <text> with a translate() or matrix() placement; `dominant-baseline: central` makes y the vertical middle. */
export function svgTexts(svg: string): SvgText[] {
  const out: SvgText[] = [];
  for (const m of svg.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)) {
    const attrs = m[1];
    const t = /translate\(([-\d.]+) ([-\d.]+)\)/.exec(attrs) ?? /matrix\([^,]+,[^,]+,[^,]+,[^,]+,([-\d.]+),([-\d.]+)\)/.exec(attrs);
    if (!t) continue;
    const dy = Number(/\sy="([-\d.]+)"/.exec(attrs)?.[1] ?? 0);
    out.push({
      text: unescape(m[2]),
      x: Number(t[1]),
      y: Number(t[2]) + dy,
      fontSize: Number(/font-size:([\d.]+)px/.exec(attrs)?.[1] ?? 12),
      anchor: /text-anchor="(\w+)"/.exec(attrs)?.[1] ?? 'start',
    });
  }
  return out;
}

export function textNamed(svg: string, text: string): SvgText {
  const found = svgTexts(svg).filter((t) => t.text === text);
  if (found.length !== 1) throw new Error(`expected one text "${text}", found ${found.length}`);
  return found[0];
}

/** Horizontal segments "M x1 y L x2 y" drawn by series `seriesIndex` (error-bar whiskers, mark lines). */
export function horizontalSegments(svg: string, seriesIndex: number): Array<{ x1: number; x2: number; y: number }> {
  const out: Array<{ x1: number; x2: number; y: number }> = [];
  for (const m of svg.matchAll(/<path d="M([-\d.]+) ([-\d.]+)L([-\d.]+) ([-\d.]+)"([^>]*)>/g)) {
    if (!m[5].includes(`ecmeta_series_index="${seriesIndex}"`) || m[2] !== m[4]) continue;
    out.push({ x1: Number(m[1]), x2: Number(m[3]), y: Number(m[2]) });
  }
  return out;
}
