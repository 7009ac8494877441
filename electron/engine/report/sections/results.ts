// Section "Results" (engine/report): per model the test metrics, classification report, confusions and worst mistakes.
import { CLASS_NAMES, NUM_CLASSES } from '../../../../shared/classes.js';
import type { ConfusionPair, Predictions, TestMetrics } from '../../../../shared/run.js';
import { confusionMatrixOption } from '../../../../shared/charts/confusionMatrix.js';
import { COLORS, SIZES } from '../document.js';
import { FONT } from '../fonts.js';
import { table } from '../table.js';
import { chartFigure } from '../charts.js';
import { imageGrid, imageGridHeight, type Tile } from '../images.js';
import type { Arm } from '../analysis.js';
import { formatAccuracy, formatDuration, formatInt, formatMeanStd, formatPercent } from '../format.js';
import { PDF_THEME } from './data.js';
import type { SectionContext } from '../input.js';

const GALLERY_SIZE = 16;

export function classificationReportTable(ctx: SectionContext, arm: Arm, t: TestMetrics): void {
  const r = t.report;
  const f = (x: number) => x.toFixed(4);
  const rows = r.perClass.map((c, i) => [CLASS_NAMES[i] ?? `class ${i}`, f(c.precision), f(c.recall), f(c.f1), formatInt(c.support)]);
  rows.push(['accuracy', '', '', formatAccuracy(r.accuracy), formatInt(r.macro.support)]);
  rows.push(['macro avg', f(r.macro.precision), f(r.macro.recall), f(r.macro.f1), formatInt(r.macro.support)]);
  rows.push(['weighted avg', f(r.weighted.precision), f(r.weighted.recall), f(r.weighted.f1), formatInt(r.weighted.support)]);
  const worst = r.perClass.reduce((w, c, i) => (c.f1 < r.perClass[w].f1 ? i : w), 0);
  const best = r.perClass.reduce((w, c, i) => (c.f1 > r.perClass[w].f1 ? i : w), 0);
  table(
    ctx.doc,
    [{ header: 'Class' }, { header: 'Precision', align: 'right' }, { header: 'Recall', align: 'right' }, { header: 'F1-score', align: 'right' }, { header: 'Support', align: 'right' }],
    rows,
    {
      caption: `${arm.name}: classification report on the test set`,
      rowStyle: (i) => (i >= NUM_CLASSES ? { font: FONT.bold } : undefined),
      cellStyle: (i, c) => (c === 3 && i === worst ? { color: COLORS.bad, font: FONT.bold } : c === 3 && i === best ? { color: COLORS.good, font: FONT.bold } : undefined),
      compact: true,
    },
  );
  ctx.doc.paragraph(
    `Best recognised: ${CLASS_NAMES[best]} (F1 ${f(r.perClass[best].f1)}); hardest: ${CLASS_NAMES[worst]} (F1 ${f(r.perClass[worst].f1)}, recall ${f(r.perClass[worst].recall)}).`,
    { size: SIZES.small, color: COLORS.muted },
  );
}

function pairRows(pairs: readonly ConfusionPair[], t: TestMetrics): string[][] {
  return pairs.map((p) => {
    const support = t.report.perClass[p.actual]?.support ?? 0;
    return [CLASS_NAMES[p.actual], CLASS_NAMES[p.predicted], formatInt(p.count), support > 0 ? formatPercent(p.count / support, 1) : '—'];
  });
}

function confusions(ctx: SectionContext, arm: Arm, t: TestMetrics): void {
  const { doc, charts } = ctx;
  doc.heading(3, 'Confusion matrix', doc.figureHeight(0.78) + 40);
  const offDiag = t.samples - t.confusion.reduce((a, row, i) => a + row[i], 0);
  doc.paragraph(`Rows are the true classes, columns the predicted ones; each cell counts test images and is shaded by its share of the row. ${formatInt(offDiag)} of ${formatInt(t.samples)} images are off the diagonal. The seed report's similar-class pairs are outlined in red.`);
  chartFigure(doc, charts, `confusion-${arm.rep.id}`, `${arm.name}: confusion matrix (counts) on the test set`, () =>
    confusionMatrixOption({ matrix: t.confusion, highlight: t.namedPairs, theme: PDF_THEME, animation: false }),
  { heightRatio: 0.78 });

  doc.heading(3, 'Similar-class confusions', 120);
  const cols = [{ header: 'Actual' }, { header: 'Predicted as' }, { header: 'Images', align: 'right' as const }, { header: 'Share of actual class', align: 'right' as const }];
  table(doc, cols, pairRows(t.namedPairs, t), { caption: `${arm.name}: the seed report's named pairs of visually similar classes`, compact: true });
  table(doc, cols, pairRows(t.topPairs, t), { caption: `${arm.name}: the ${t.topPairs.length} most frequent confusions`, compact: true });
}

/** Mistakes sorted by the probability the model gave its wrong answer: the most confident first. */
export function confidentMistakes(p: Predictions, n = GALLERY_SIZE): Predictions['misclassified'] {
  return [...p.misclassified]
    .map((m) => ({ m, conf: m.probs[m.predicted] ?? 0 }))
    .sort((x, y) => y.conf - x.conf || x.m.index - y.m.index)
    .slice(0, n)
    .map((x) => x.m);
}

function mistakes(ctx: SectionContext, arm: Arm): void {
  const { doc, input } = ctx;
  const p = arm.rep.predictions;
  const worst = p ? confidentMistakes(p) : [];
  const tiles: Tile[] = input.testImages
    ? worst.map((m) => ({
        pixels: input.testImages!(m.index),
        lines: [CLASS_NAMES[m.label], `→ ${CLASS_NAMES[m.predicted]} ${(m.probs[m.predicted] ?? 0).toFixed(3)}`, `#${m.index}`],
        accent: COLORS.bad,
      }))
    : [];
  const grid = { perRow: 8, caption: `${arm.name}: most confident mistakes (true class, predicted class and its probability, test index)`, keepTogether: true };
  doc.heading(3, 'Most confident mistakes', tiles.length ? imageGridHeight(doc, tiles, grid) + 40 : 120);
  if (!p) {
    doc.paragraph('No predictions were stored for this run, so its mistakes cannot be shown.', { color: COLORS.muted });
    return;
  }
  if (worst.length === 0) {
    doc.paragraph('The model made no mistakes on the evaluated test images.');
    return;
  }
  doc.paragraph(
    `The ${worst.length} test images the model got wrong with the highest confidence (of ${formatInt(p.misclassified.length)} mistakes). Each shows the true class, the prediction in red with its probability, and the test-set index. ` +
      'Some of these are label noise or genuinely ambiguous garments rather than model failures.',
  );
  if (tiles.length > 0) {
    imageGrid(doc, tiles, grid);
  } else {
    table(
      doc,
      [{ header: 'Test index', align: 'right' }, { header: 'True class' }, { header: 'Predicted' }, { header: 'Probability', align: 'right' }],
      worst.map((m) => [String(m.index), CLASS_NAMES[m.label], CLASS_NAMES[m.predicted], (m.probs[m.predicted] ?? 0).toFixed(4)]),
      { caption: `${arm.name}: most confident mistakes (images not available)`, compact: true },
    );
  }
}

export function resultsSection(ctx: SectionContext): void {
  const { doc, analysis } = ctx;
  doc.heading(1, 'Results');
  doc.paragraph('All numbers are on the held-out test set, which no model saw during training or model selection.');
  for (const arm of analysis.arms) {
    doc.heading(2, arm.name);
    const t = arm.rep.run.test;
    if (!t) {
      const s = arm.rep.run.summary;
      doc.paragraph(`This run was not evaluated (status ${s.status}${s.reason ? `: ${s.reason}` : ''}).`, { color: COLORS.bad });
      continue;
    }
    doc.paragraph(
      `Test accuracy ${formatAccuracy(t.accuracy)} (${formatPercent(t.accuracy)}), test loss ${t.loss.toFixed(4)}, macro F1 ${t.report.macro.f1.toFixed(4)}, on ${formatInt(t.samples)} test images (predicted in ${formatDuration(t.inferenceSeconds)}).` +
        (arm.grouped && arm.accuracy
          ? ` Over all ${arm.accuracy.n} seeds the test accuracy is ${formatMeanStd(arm.accuracy.mean, arm.accuracy.std)} (mean ± standard deviation); the tables and figures below are of the first seed (${arm.rep.seed ?? '—'}).`
          : ''),
      { font: FONT.sans },
    );
    doc.heading(3, 'Classification report', 220);
    classificationReportTable(ctx, arm, t);
    confusions(ctx, arm, t);
    mistakes(ctx, arm);
  }
}
