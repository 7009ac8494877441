// The report's entry point (engine/report): stored runs in, a finished PDF out; the app, browser mode and CLI all call this.
import { ReportDocument, type TocEntry } from './document.js';
import { ChartCache } from './charts.js';
import { analyse, type Analysis } from './analysis.js';
import { ReportError } from './errors.js';
import { formatDate } from './format.js';
import { titlePage, contentsPages } from './sections/title.js';
import { environmentSection } from './sections/environment.js';
import { dataSection } from './sections/data.js';
import { modelsSection } from './sections/models.js';
import { resultsSection } from './sections/results.js';
import { comparisonSection } from './sections/comparison.js';
import { calibrationSection } from './sections/calibration.js';
import { gradcamSection } from './sections/gradcam.js';
import { referencesSection } from './sections/references.js';
import { appendixSection } from './sections/appendix.js';
import type { ReportInput, ReportOptions, SectionContext } from './input.js';

export type { ReportInput, ReportOptions, SampleImages } from './input.js';
export { ReportError } from './errors.js';

/** Sections in reading order; each adds its own numbered headings. */
const SECTIONS: ReadonlyArray<(ctx: SectionContext) => void> = [
  environmentSection,
  dataSection,
  modelsSection,
  resultsSection,
  comparisonSection,
  calibrationSection,
  gradcamSection,
  referencesSection,
  appendixSection,
];

function render(input: ReportInput, analysis: Analysis, charts: ChartCache, generatedAt: Date, pageSize: 'A4' | 'LETTER', toc: readonly TocEntry[] | null): ReportDocument {
  const doc = new ReportDocument({
    pageSize,
    title: input.title,
    footer: `${input.title} · ${formatDate(generatedAt)}`,
    createdAt: generatedAt,
    author: `Fashion-MNIST Workbench ${input.appVersion}`,
  });
  const ctx: SectionContext = { doc, charts, analysis, input, generatedAt };
  titlePage(ctx);
  contentsPages(ctx, toc);
  doc.newPage();
  for (const section of SECTIONS) section(ctx);
  return doc;
}

const samePages = (a: readonly TocEntry[], b: readonly TocEntry[]) =>
  a.length === b.length && a.every((e, i) => e.page === b[i].page && e.title === b[i].title);

/**
 * Lay the report out until the contents list the pages the headings really landed on: the first pass leaves the
 * contents page empty, the next fills it; a third runs only when the contents turned out longer than one page.
 */
export async function generateReport(input: ReportInput, opts: ReportOptions = {}): Promise<Buffer> {
  if (!input.title.trim()) throw new ReportError('the report needs a title', 'input');
  const generatedAt = input.generatedAt ?? new Date();
  const pageSize = opts.pageSize ?? 'A4';
  if (pageSize !== 'A4' && pageSize !== 'LETTER') throw new ReportError(`page size must be A4 or LETTER, got ${String(pageSize)}`, 'input');
  const analysis = analyse(input.runs, input.predictions, input.colorIndex);
  const charts = new ChartCache();
  let toc: TocEntry[] | null = null;
  for (let pass = 0; pass < 4; pass++) {
    const doc = render(input, analysis, charts, generatedAt, pageSize, toc);
    if (toc && samePages(toc, doc.headings)) return doc.finish();
    toc = doc.headings;
    // The abandoned pass still holds an open stream; end it so nothing lingers.
    doc.pdf.end();
  }
  throw new ReportError('the table of contents did not settle after four layout passes', 'contents');
}

/** "Seed ANN vs seed CNN" on 2026-11-25 → "seed-ann-vs-seed-cnn-2026-11-25.pdf". */
export function reportFileName(title: string, date: Date): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return `${slug || 'report'}-${formatDate(date)}.pdf`;
}
