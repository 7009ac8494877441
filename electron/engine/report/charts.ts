// Charts in the report (engine/report): ECharts options rendered server-side to SVG and drawn into the PDF as vectors.
import * as echarts from 'echarts';
import type { EChartsOption } from 'echarts';
import SVGtoPDF from 'svg-to-pdfkit';
import PDFDocument from 'pdfkit';
import { chartFont, fontFiles } from './fonts.js';
import { ReportError } from './errors.js';
import type { ReportDocument } from './document.js';

/** Points per SVG pixel: charts are laid out at 1/0.78 of their printed size so 12 px labels print at ~9.4 pt. */
export const CHART_SCALE = 0.78;

let measuring = false;

/**
 * ECharts lays out text by measuring it; without a canvas (server-side) it guesses widths from a generic table, so
 * right-aligned legends and labels overshoot once drawn in DejaVu. Measure with the embedded faces instead.
 */
function measureWithEmbeddedFonts(): void {
  if (measuring) return;
  const doc = new PDFDocument({ autoFirstPage: false });
  const files = fontFiles();
  for (const [name, file] of Object.entries(files)) doc.registerFont(name, file);
  echarts.setPlatformAPI({
    measureText(text: string, font?: string) {
      const f = font ?? '12px sans-serif';
      const size = Number(/(\d+(?:\.\d+)?)px/.exec(f)?.[1] ?? 12);
      const bold = /\bbold(er)?\b|\b[6-9]00\b/.test(f);
      doc.font(chartFont(f, bold)).fontSize(size);
      return { width: doc.widthOfString(text ?? '') } as ReturnType<NonNullable<Parameters<typeof echarts.setPlatformAPI>[0]['measureText']>>;
    },
  });
  measuring = true;
}

export function renderSvg(option: EChartsOption, widthPx: number, heightPx: number): string {
  measureWithEmbeddedFonts();
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: Math.round(widthPx), height: Math.round(heightPx) });
  try {
    chart.setOption(forPrint(option));
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** Paper cannot scroll or animate: scrolling legends become plain ones that wrap. */
export function forPrint(option: EChartsOption): EChartsOption {
  const plain = (l: unknown) => (l && typeof l === 'object' ? { ...(l as object), type: 'plain' } : l);
  const legend = Array.isArray(option.legend) ? option.legend.map(plain) : plain(option.legend);
  return { ...option, animation: false, ...(option.legend ? { legend: legend as EChartsOption['legend'] } : {}) };
}

/** SVG strings by key, so the passes that settle the contents' page numbers render each chart once. */
export class ChartCache {
  private readonly svgs = new Map<string, string>();
  svg(key: string, widthPx: number, heightPx: number, build: () => EChartsOption): string {
    const k = `${key}@${Math.round(widthPx)}x${Math.round(heightPx)}`;
    let svg = this.svgs.get(k);
    if (svg === undefined) {
      try {
        svg = renderSvg(build(), widthPx, heightPx);
      } catch (err) {
        throw new ReportError(`chart "${key}" could not be rendered: ${(err as Error).message}`, key, { cause: err });
      }
      this.svgs.set(k, svg);
    }
    return svg;
  }
}

export function drawSvg(doc: ReportDocument, svg: string, x: number, y: number, w: number, h: number): void {
  const warnings: string[] = [];
  SVGtoPDF(doc.pdf, svg, x, y, {
    width: w,
    height: h,
    assumePt: true,
    preserveAspectRatio: 'xMidYMid meet',
    fontCallback: (family, bold) => chartFont(family, bold),
    warningCallback: (m) => warnings.push(m),
  });
  doc.pdf.fillColor('#000000').strokeColor('#000000').lineWidth(1);
  if (warnings.length > 0 && process.env.REPORT_DEBUG) console.warn(`svg warnings: ${warnings.slice(0, 5).join('; ')}`);
}

/** A chart as a numbered figure: `heightRatio` is height / width; the figure spans `widthFraction` of the text width. */
export function chartFigure(
  doc: ReportDocument,
  cache: ChartCache,
  key: string,
  caption: string,
  build: () => EChartsOption,
  o: { heightRatio?: number; widthFraction?: number; height?: number } = {},
): number {
  const w = doc.width * (o.widthFraction ?? 1);
  const h = o.height ?? w * (o.heightRatio ?? 0.5);
  const svg = cache.svg(key, w / CHART_SCALE, h / CHART_SCALE, build);
  return doc.figure(w, h, caption, (x, y, fw, fh) => drawSvg(doc, svg, x, y, fw, fh));
}

/** Two charts side by side under one caption (accuracy and loss, A and B). */
export function chartPair(
  doc: ReportDocument,
  cache: ChartCache,
  keys: readonly [string, string],
  caption: string,
  builds: readonly [() => EChartsOption, () => EChartsOption],
  o: { heightRatio?: number } = {},
): number {
  const gap = 10;
  const w = (doc.width - gap) / 2;
  const h = w * (o.heightRatio ?? 0.75);
  const svgs = keys.map((k, i) => cache.svg(k, w / CHART_SCALE, h / CHART_SCALE, builds[i]));
  return doc.figure(doc.width, h, caption, (x, y, fw, fh) => {
    const scale = fw / doc.width;
    drawSvg(doc, svgs[0], x, y, w * scale, fh);
    drawSvg(doc, svgs[1], x + (w + gap) * scale, y, w * scale, fh);
  });
}
