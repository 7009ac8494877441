// Title page and table of contents (engine/report): experiment, date, the models compared, the summary, the contents.
import { COLORS, SIZES, type TocEntry } from '../document.js';
import { FONT } from '../fonts.js';
import { table } from '../table.js';
import { formatAccuracy, formatDateTime, formatInt, formatMeanStd } from '../format.js';
import { summaryParagraph } from '../summary.js';
import { architectureText } from '../analysis.js';
import { accuracyFigure } from './references.js';
import type { SectionContext } from '../input.js';

export function titlePage(ctx: SectionContext): void {
  const { doc, analysis, input } = ctx;
  const pdf = doc.pdf;
  doc.markBare();
  doc.y = doc.top + 40;
  doc.setFont(FONT.bold, 9);
  pdf.fillColor(COLORS.accent).text('FASHION-MNIST WORKBENCH · EXPERIMENT REPORT', doc.left, doc.y, { width: doc.width, characterSpacing: 1.2 });
  doc.y += 10;
  doc.setFont(FONT.bold, 24);
  pdf.fillColor(COLORS.text).text(input.title, doc.left, doc.y, { width: doc.width, lineGap: 2 });
  doc.y += 6;
  const runs = analysis.arms.reduce((n, a) => n + a.runs.length, 0);
  const what = analysis.arms.length === 1 ? `${analysis.arms[0].name}` : analysis.arms.map((a) => a.name).join(' vs ');
  if (what.trim().toLowerCase() !== input.title.trim().toLowerCase()) doc.paragraph(what, { font: FONT.bold, size: 13, color: COLORS.muted, after: 2 });
  doc.paragraph(
    `${runs} run${runs === 1 ? '' : 's'} of ${analysis.arms.length} model${analysis.arms.length === 1 ? '' : 's'} · generated ${formatDateTime(ctx.generatedAt)} by Fashion-MNIST Workbench ${input.appVersion}`,
    { size: SIZES.body, color: COLORS.muted, after: 14 },
  );

  const multiSeed = analysis.arms.some((a) => a.grouped);
  const rows = analysis.arms.map((a) => {
    const params = a.rep.run.begin?.params ?? a.rep.run.summary.params;
    const acc = a.accuracy ? (a.grouped ? formatMeanStd(a.accuracy.mean, a.accuracy.std) : formatAccuracy(a.accuracy.mean)) : 'not evaluated';
    const ids = a.runs.map((r) => r.id).join(', ');
    const seeds = a.runs.map((r) => (r.seed === null ? '—' : String(r.seed))).join(', ');
    const spec = a.rep.run.config?.request.model;
    const arch = spec ? architectureText(spec.layers as unknown as Record<string, unknown>[]) : a.rep.run.summary.modelName ?? '—';
    return [a.name, arch, params ? formatInt(params) : '—', multiSeed ? seeds : ids, acc];
  });
  table(
    doc,
    [
      { header: 'Model' },
      { header: 'Architecture' },
      { header: 'Parameters', align: 'right' },
      { header: multiSeed ? 'Seeds' : 'Run', font: multiSeed ? FONT.sans : FONT.mono },
      { header: multiSeed ? 'Test accuracy (mean ± std)' : 'Test accuracy', align: 'right' },
    ],
    rows,
    { caption: 'Models compared', size: SIZES.body - 0.5 },
  );

  doc.space(4);
  doc.paragraph('Summary', { font: FONT.bold, size: SIZES.h2, after: 4 });
  doc.paragraph(summaryParagraph(analysis), { align: 'justify', size: SIZES.body + 0.5, after: 10 });
  // The headline chart, when it still fits on the title page; it reappears with the reference points.
  // Shorter on Letter or under a long summary, but never squashed below a readable height.
  const ratio = Math.min(0.5, (doc.remaining - 46) / doc.width);
  if (analysis.arms.some((a) => a.accuracy) && ratio >= 0.36) {
    doc.space(4);
    accuracyFigure(ctx, ratio);
  }
}

/** The contents page(s): level-1 and level-2 headings with their page numbers, each entry a link to its heading. */
export function contentsPages(ctx: SectionContext, entries: readonly TocEntry[] | null): void {
  const { doc } = ctx;
  const pdf = doc.pdf;
  doc.newPage();
  doc.setFont(FONT.bold, SIZES.h1);
  pdf.fillColor(COLORS.accent).text('Contents', doc.left, doc.y, { width: doc.width });
  const ruleY = doc.y + 1;
  pdf.moveTo(doc.left, ruleY).lineTo(doc.left + doc.width, ruleY).lineWidth(0.6).strokeColor(COLORS.rule).stroke();
  doc.y = ruleY + 10;
  // Without entries (the first layout pass) the page is reserved and left empty; the pass that follows fills it.
  for (const e of entries ?? []) {
    if (e.level > 2) continue;
    const top = e.level === 1;
    const size = top ? SIZES.body + 1 : SIZES.body;
    const font = top ? FONT.bold : FONT.sans;
    const indent = top ? 0 : 22;
    const numW = 30;
    const pageText = String(e.page);
    const pageW = doc.textWidth(pageText, font, size);
    const titleW = doc.width - indent - numW - pageW - 24;
    const h = doc.textHeight(e.title, titleW, font, size);
    doc.ensure(h + (top ? 6 : 2));
    if (top) doc.y += 4;
    const y = doc.y;
    doc.setFont(font, size);
    pdf.fillColor(COLORS.text).text(e.number, doc.left + indent, y, { width: numW, lineBreak: false });
    pdf.text(e.title, doc.left + indent + numW, y, { width: titleW, lineGap: SIZES.lineGap });
    const endY = pdf.y;
    const lastLineY = endY - doc.lineHeight(size, font);
    // Dotted leader from the end of the title's last line to the page number.
    doc.setFont(font, size);
    const lastLine = h > doc.lineHeight(size, font) * 1.5 ? '' : e.title;
    const fromX = doc.left + indent + numW + doc.textWidth(lastLine, font, size) + 6;
    const toX = doc.left + doc.width - pageW - 6;
    if (toX > fromX) {
      pdf.save().moveTo(fromX, lastLineY + size * 0.95).lineTo(toX, lastLineY + size * 0.95).lineWidth(0.6).dash(0.6, { space: 2.4 }).strokeColor(COLORS.muted).stroke().restore();
    }
    doc.setFont(font, size);
    pdf.fillColor(COLORS.text).text(pageText, doc.left + doc.width - pageW, lastLineY, { lineBreak: false });
    // The whole entry is one link to its heading.
    pdf.goTo(doc.left + indent, y, doc.width - indent, endY - y, e.dest);
    doc.y = endY + (top ? 1 : 0.5);
    pdf.x = doc.left;
  }
}
