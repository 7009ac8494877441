// Section "Comparison" (engine/report): metrics with deltas, significance, seeds, overlaid curves, confusion and F1 changes, config diff.
import { CLASS_NAMES } from '../../../../shared/classes.js';
import { trainingCurvesOption } from '../../../../shared/charts/trainingCurves.js';
import { confusionDiffOption } from '../../../../shared/charts/confusionMatrix.js';
import { f1ChangeOption, perClassF1Option } from '../../../../shared/charts/classBars.js';
import { COLORS, SIZES } from '../document.js';
import { FONT } from '../fonts.js';
import { table, type CellStyle } from '../table.js';
import { chartFigure } from '../charts.js';
import { ALPHA, decisiveP, type Arm, type Comparison } from '../analysis.js';
import { formatDuration, formatInt, formatMeanStd, formatSigned, formatSignedInt } from '../format.js';
import { PDF_THEME } from './data.js';
import { significance, seedVariance } from './significance.js';
import type { SectionContext } from '../input.js';

interface MetricRow {
  label: string;
  value: (a: Arm) => number | null;
  text: (v: number, a: Arm) => string;
  delta: (d: number) => string;
  /** +1 when higher is better, −1 when lower is better, 0 when neither. */
  better: 1 | -1 | 0;
  /** When a Δ may be coloured: accuracy only when McNemar finds it significant; loss and F1 have no test behind them. */
  colour?: 'if-significant' | 'never';
}

const weighted = (a: Arm) => a.rep.run.test?.report.weighted.f1 ?? null;
const params = (a: Arm) => a.rep.run.begin?.params ?? a.rep.run.summary.params;
const perEpoch = (a: Arm) => {
  const e = a.rep.run.epochs;
  return e.length ? e.reduce((s, x) => s + x.seconds, 0) / e.length : null;
};

const METRICS: MetricRow[] = [
  { label: 'Test accuracy', value: (a) => a.accuracy?.mean ?? null, text: (v, a) => (a.grouped && a.accuracy ? formatMeanStd(v, a.accuracy.std) : v.toFixed(4)), delta: (d) => formatSigned(d), better: 1, colour: 'if-significant' },
  { label: 'Test loss', value: (a) => a.loss?.mean ?? null, text: (v, a) => (a.grouped && a.loss ? formatMeanStd(v, a.loss.std) : v.toFixed(4)), delta: (d) => formatSigned(d), better: -1, colour: 'never' },
  { label: 'Macro F1', value: (a) => a.macroF1?.mean ?? null, text: (v, a) => (a.grouped && a.macroF1 ? formatMeanStd(v, a.macroF1.std) : v.toFixed(4)), delta: (d) => formatSigned(d), better: 1, colour: 'never' },
  { label: 'Weighted F1', value: weighted, text: (v) => v.toFixed(4), delta: (d) => formatSigned(d), better: 1, colour: 'never' },
  { label: 'Parameters', value: params, text: (v) => formatInt(v), delta: (d) => formatSignedInt(d), better: 0 },
  { label: 'Epochs trained', value: (a) => a.rep.run.epochs.length, text: (v) => String(v), delta: (d) => formatSignedInt(d), better: 0 },
  { label: 'Training time', value: (a) => a.trainSeconds?.mean ?? null, text: (v) => formatDuration(v), delta: (d) => `${d >= 0 ? '+' : '−'}${formatDuration(Math.abs(d))}`, better: -1 },
  { label: 'Time per epoch', value: perEpoch, text: (v) => formatDuration(v), delta: (d) => `${d >= 0 ? '+' : '−'}${formatDuration(Math.abs(d))}`, better: -1 },
  { label: 'Training images/s', value: (a) => a.rep.run.summary.samplesPerSecond, text: (v) => formatInt(v), delta: (d) => formatSignedInt(Math.round(d)), better: 1 },
  { label: 'Inference time (test set)', value: (a) => a.rep.run.test?.inferenceSeconds ?? null, text: (v) => formatDuration(v), delta: (d) => `${d >= 0 ? '+' : '−'}${formatDuration(Math.abs(d))}`, better: -1 },
];

/** Whether McNemar's test (exact p when discordant pairs are few) finds b's accuracy different from a's. */
function significant(c: Comparison | undefined): boolean {
  return c?.test != null && decisiveP(c.test).p < ALPHA;
}

function metricsTable(ctx: SectionContext, arms: readonly Arm[], comparisons: readonly Comparison[]): void {
  const base = arms[0];
  const others = arms.slice(1);
  const header = [
    { header: 'Metric', font: FONT.bold },
    ...arms.map((a) => ({ header: a.name, align: 'right' as const })),
    ...others.map((b) => ({ header: others.length > 1 ? `Δ ${b.name}` : `Δ (${b.name} − ${base.name})`, align: 'right' as const })),
  ];
  const styles = new Map<string, CellStyle>();
  const rows = METRICS.map((m, r) => {
    const vals = arms.map((a) => m.value(a));
    const cells = arms.map((a, i) => (vals[i] === null ? '—' : m.text(vals[i] as number, a)));
    const deltas = others.map((_, k) => {
      const va = vals[0];
      const vb = vals[k + 1];
      if (va === null || vb === null) return '—';
      const d = vb - va;
      const mayColour = m.colour === undefined || (m.colour === 'if-significant' && significant(comparisons.find((c) => c.b === arms[k + 1])));
      if (m.better !== 0 && d !== 0 && mayColour) styles.set(`${r},${1 + arms.length + k}`, { color: Math.sign(d) === m.better ? COLORS.good : COLORS.bad });
      return m.delta(d);
    });
    return [m.label, ...cells, ...deltas];
  });
  table(ctx.doc, header, rows, {
    caption: `Side-by-side metrics${arms.some((a) => a.grouped) ? ' (accuracy, loss, macro F1 and time: mean over seeds; others: first seed)' : ''}; Δ is against ${base.name}; an accuracy Δ is coloured only when McNemar's test finds it significant (p < ${ALPHA}), loss and F1 Δ have no test and are not coloured, time and throughput are coloured where better`,
    cellStyle: (r, c) => styles.get(`${r},${c}`),
    size: arms.length > 3 ? SIZES.small : SIZES.body - 0.5,
  });
}

function confusionChanges(c: Comparison): string {
  const d = c.confusionDelta;
  if (!d) return '';
  const cells: { i: number; j: number; v: number }[] = [];
  d.forEach((row, i) => row.forEach((v, j) => { if (i !== j && v !== 0) cells.push({ i, j, v }); }));
  const fewer = cells.filter((x) => x.v < 0).sort((x, y) => x.v - y.v).slice(0, 3);
  const more = cells.filter((x) => x.v > 0).sort((x, y) => y.v - x.v).slice(0, 3);
  const fmt = (x: { i: number; j: number; v: number }) => `${CLASS_NAMES[x.i]} → ${CLASS_NAMES[x.j]} (${formatSignedInt(x.v)})`;
  const parts: string[] = [];
  if (fewer.length) parts.push(`${c.b.name} makes fewer ${fewer.map(fmt).join(', ')} mistakes`);
  if (more.length) parts.push(`but more ${more.map(fmt).join(', ')}`);
  return parts.length ? `${parts.join(' ')} than ${c.a.name}.` : `${c.a.name} and ${c.b.name} make exactly the same off-diagonal counts.`;
}

function namedPairsTable(ctx: SectionContext, arms: readonly Arm[]): void {
  const keys = new Map<string, { actual: number; predicted: number }>();
  for (const a of arms) for (const p of [...(a.rep.run.test?.namedPairs ?? []), ...(a.rep.run.test?.topPairs ?? [])]) keys.set(`${p.actual},${p.predicted}`, p);
  const count = (a: Arm, i: number, j: number) => a.rep.run.test?.confusion[i]?.[j];
  const rows = [...keys.values()]
    .map((p) => ({ p, counts: arms.map((a) => count(a, p.actual, p.predicted)) }))
    .sort((x, y) => Math.max(...y.counts.map((v) => v ?? 0)) - Math.max(...x.counts.map((v) => v ?? 0)))
    .map(({ p, counts }) => [
      `${CLASS_NAMES[p.actual]} → ${CLASS_NAMES[p.predicted]}`,
      ...counts.map((v) => (v === undefined ? '—' : formatInt(v))),
      ...(arms.length === 2 && counts[0] !== undefined && counts[1] !== undefined ? [formatSignedInt(counts[1] - counts[0])] : []),
    ]);
  table(
    ctx.doc,
    [{ header: 'Actual → predicted' }, ...arms.map((a) => ({ header: a.name, align: 'right' as const })), ...(arms.length === 2 ? [{ header: 'Δ', align: 'right' as const }] : [])],
    rows,
    { caption: 'Named similar-class pairs and each model\'s most frequent confusions, in test images', compact: true },
  );
}

function configDiff(ctx: SectionContext, c: Comparison): void {
  const { doc } = ctx;
  if (c.configChanges.length === 0) {
    doc.paragraph(`${c.a.name} and ${c.b.name} were trained with identical settings (${c.identicalSettings} compared).`);
    return;
  }
  table(doc, [{ header: 'Setting', font: FONT.mono }, { header: c.a.name }, { header: c.b.name }], c.configChanges.map((x) => [x.setting, x.a, x.b]), {
    caption: `Settings that differ between ${c.a.name} and ${c.b.name} (${c.identicalSettings} further settings are identical)`,
    size: SIZES.small,
  });
}

export function comparisonSection(ctx: SectionContext): void {
  const { doc, analysis, charts } = ctx;
  const { arms, comparisons } = analysis;
  if (arms.length < 2) return;
  doc.heading(1, 'Comparison');
  doc.paragraph(`${arms.length === 2 ? `${arms[1].name} is compared against ${arms[0].name}` : `Every model is compared against the first, ${arms[0].name}`}: Δ = other − ${arms[0].name}.`);

  doc.heading(2, 'Metrics side by side');
  metricsTable(ctx, arms, comparisons);

  significance(ctx, comparisons);
  seedVariance(ctx, analysis);

  // Full width: the legend names every model twice (training, validation).
  doc.heading(2, 'Training curves overlaid', doc.figureHeight(0.42));
  const runs = arms.filter((a) => a.rep.run.epochs.length > 0).map((a) => ({ name: a.label, color: a.color, epochs: a.rep.run.epochs }));
  chartFigure(doc, charts, 'cmp-acc', 'Accuracy per epoch of every model: training solid, validation dashed', () =>
    trainingCurvesOption({ runs, metric: 'accuracy', theme: PDF_THEME, animation: false }), { heightRatio: 0.42 });
  chartFigure(doc, charts, 'cmp-loss', 'Loss per epoch of every model: training solid, validation dashed', () =>
    trainingCurvesOption({ runs, metric: 'loss', theme: PDF_THEME, animation: false }), { heightRatio: 0.42 });

  doc.heading(2, 'Difference confusion matrix', doc.figureHeight(0.78) + 40);
  for (const c of comparisons) {
    const ta = c.a.rep.run.test;
    const tb = c.b.rep.run.test;
    if (!ta || !tb) {
      doc.paragraph(`No test results for ${ta ? c.b.name : c.a.name}.`, { color: COLORS.muted });
      continue;
    }
    doc.paragraph(`Each cell is ${c.b.name}'s count minus ${c.a.name}'s. Green marks an improvement (more correct on the diagonal, fewer mistakes off it), red a regression. ${confusionChanges(c)}`);
    chartFigure(doc, charts, `diff-${c.a.rep.id}-${c.b.rep.id}`, `Confusion matrix of ${c.b.name} minus that of ${c.a.name} (test images)`, () =>
      confusionDiffOption({ a: ta.confusion, b: tb.confusion, theme: PDF_THEME, animation: false }),
    { heightRatio: 0.78 });
  }

  doc.heading(2, 'Per-class F1', doc.figureHeight(0.42));
  const evaluated = arms.filter((a) => a.rep.run.test);
  chartFigure(doc, charts, 'f1-all', 'F1-score per class of every model', () =>
    perClassF1Option({ runs: evaluated.map((a) => ({ name: a.label, color: a.color, f1: a.rep.run.test!.report.perClass.map((x) => x.f1) })), theme: PDF_THEME, animation: false }),
  { heightRatio: 0.42 });
  for (const c of comparisons) {
    if (!c.f1Delta) continue;
    const fa = c.a.rep.run.test!.report.perClass.map((x) => x.f1);
    const fb = c.b.rep.run.test!.report.perClass.map((x) => x.f1);
    chartFigure(doc, charts, `f1-change-${c.a.rep.id}-${c.b.rep.id}`, `Change in per-class F1, ${c.b.name} − ${c.a.name}`, () =>
      f1ChangeOption({ a: { name: c.a.label, f1: fa }, b: { name: c.b.label, f1: fb }, theme: PDF_THEME, animation: false }),
    { heightRatio: 0.42 });
    table(
      doc,
      [{ header: 'Class' }, { header: `F1 ${c.a.name}`, align: 'right' }, { header: `F1 ${c.b.name}`, align: 'right' }, { header: 'Δ F1', align: 'right' }],
      CLASS_NAMES.map((name, i) => [name, fa[i].toFixed(4), fb[i].toFixed(4), formatSigned(c.f1Delta![i])]),
      { caption: `Per-class F1 of ${c.a.name} and ${c.b.name} (Δ per class untested: no significance test behind it)`, compact: true },
    );
  }

  doc.heading(2, 'Similar-class confusions compared', 160);
  namedPairsTable(ctx, evaluated);

  doc.heading(2, 'Configuration differences', 120);
  for (const c of comparisons) configDiff(ctx, c);
}
