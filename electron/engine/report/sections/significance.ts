// Comparison sub-sections on soundness (engine/report): McNemar's test and mean ± std over seeds.
import { SIZES, COLORS } from '../document.js';
import { FONT } from '../fonts.js';
import { table } from '../table.js';
import { ALPHA, decisiveP, type Analysis, type Comparison, type McNemarOutcome } from '../analysis.js';
import { formatAccuracy, formatDuration, formatInt, formatMeanStd, formatP } from '../format.js';
import { significanceSentence } from '../summary.js';
import type { SectionContext } from '../input.js';

/** "McNemar's test: χ² = 12.34, p = 0.0004 (n01 = 123, n10 = 78)": the line a reader quotes. */
export function mcnemarLine(t: Pick<McNemarOutcome, 'statistic' | 'pValue' | 'n01' | 'n10'>): string {
  return `McNemar's test: χ² = ${t.statistic.toFixed(2)}, p = ${formatP(t.pValue)} (n01 = ${formatInt(t.n01)}, n10 = ${formatInt(t.n10)})`;
}

export function significance(ctx: SectionContext, comparisons: readonly Comparison[]): void {
  const { doc } = ctx;
  doc.heading(2, 'Statistical significance');
  doc.paragraph(
    "McNemar's test asks whether two classifiers evaluated on the same test images err on different images more often than chance allows. " +
      'n01 counts images the first model classified correctly and the second wrongly, n10 the reverse; images both got right or both got wrong carry no information about the difference. ' +
      `χ² uses the continuity correction (|n01 − n10| − 1)² / (n01 + n10) with one degree of freedom; when n01 + n10 < 25 the exact binomial p-value is the one to read. The level is ${ALPHA * 100}\u00a0%.`,
  );
  for (const c of comparisons) {
    if (comparisons.length > 1) doc.paragraph(`${c.a.name} vs ${c.b.name}`, { font: FONT.bold, after: 2 });
    const t = c.test;
    if (!t) {
      doc.paragraph('Not possible: test predictions are missing for at least one of the two runs.', { color: COLORS.muted });
      continue;
    }
    const { p } = decisiveP(t);
    doc.paragraph(mcnemarLine(t), { font: FONT.bold, size: SIZES.body + 0.5, color: p < ALPHA ? COLORS.good : COLORS.text, after: 3 });
    table(
      doc,
      [{ header: '' }, { header: `${c.b.name} right`, align: 'right' }, { header: `${c.b.name} wrong`, align: 'right' }],
      [
        [`${c.a.name} right`, formatInt(t.bothRight), `${formatInt(t.n01)} (n01)`],
        [`${c.a.name} wrong`, `${formatInt(t.n10)} (n10)`, formatInt(t.bothWrong)],
      ],
      { caption: `Agreement of ${c.a.name} and ${c.b.name} on ${formatInt(t.n)} test images${c.a.grouped || c.b.grouped ? ' (first seed of each)' : ''}`, compact: true, rowStyle: () => undefined, cellStyle: (_r, col) => (col === 0 ? { font: FONT.bold } : undefined), after: 4 },
    );
    doc.paragraph(`${significanceSentence(c)} Exact binomial p = ${formatP(t.exactPValue)}.`);
    if (c.seedPairs.length > 0) {
      table(
        doc,
        [
          { header: 'Repeat', align: 'right' },
          { header: `Seed ${c.a.name}`, align: 'right' },
          { header: `Seed ${c.b.name}`, align: 'right' },
          { header: `Acc. ${c.a.name}`, align: 'right' },
          { header: `Acc. ${c.b.name}`, align: 'right' },
          { header: 'χ²', align: 'right' },
          { header: 'p', align: 'right' },
          { header: 'n01', align: 'right' },
          { header: 'n10', align: 'right' },
        ],
        c.seedPairs.map((s) => [
          String(s.repeatIndex + 1),
          String(s.a.seed ?? '—'),
          String(s.b.seed ?? '—'),
          s.a.accuracy === null ? '—' : formatAccuracy(s.a.accuracy),
          s.b.accuracy === null ? '—' : formatAccuracy(s.b.accuracy),
          s.test ? s.test.statistic.toFixed(2) : '—',
          s.test ? formatP(s.test.pValue) : '—',
          s.test ? formatInt(s.test.n01) : '—',
          s.test ? formatInt(s.test.n10) : '—',
        ]),
        { caption: `McNemar's test for each pair of repeats (${c.a.name} vs ${c.b.name})`, size: SIZES.small },
      );
    }
  }
}

export function seedVariance(ctx: SectionContext, analysis: Analysis): void {
  const { doc } = ctx;
  doc.heading(2, 'Seeds: mean ± standard deviation');
  const grouped = analysis.arms.filter((a) => a.runs.length > 1);
  if (grouped.length === 0) {
    doc.paragraph(
      'Each model was trained once, with one seed. A single run per model cannot separate the effect of the architecture from the noise of initialisation and batch order (typically a few tenths of a point on Fashion-MNIST). ' +
        'Repeat the experiment with several seeds (--repeat N on the command line, or the repeat field of the Train view) to report mean ± standard deviation here.',
      { color: COLORS.muted },
    );
    return;
  }
  const ms = (s: { mean: number; std: number } | null, d = 4) => (s ? formatMeanStd(s.mean, s.std, d) : '—');
  table(
    doc,
    [{ header: 'Model' }, { header: 'Runs', align: 'right' }, { header: 'Test accuracy', align: 'right' }, { header: 'Test loss', align: 'right' }, { header: 'Macro F1', align: 'right' }, { header: 'Training time', align: 'right' }],
    analysis.arms.map((a) => [
      a.name,
      String(a.runs.length),
      ms(a.accuracy),
      ms(a.loss),
      ms(a.macroF1),
      a.trainSeconds ? `${formatDuration(a.trainSeconds.mean)} ± ${formatDuration(a.trainSeconds.std)}` : '—',
    ]),
    { caption: 'Mean ± sample standard deviation (n − 1) over the seeds of each model' },
  );
  const rows = analysis.arms.flatMap((a) =>
    a.runs.map((r) => [
      a.name,
      r.seed === null ? '—' : String(r.seed),
      r.id,
      r.accuracy === null ? '—' : formatAccuracy(r.accuracy),
      r.loss === null ? '—' : r.loss.toFixed(4),
      r.macroF1 === null ? '—' : r.macroF1.toFixed(4),
      r.trainSeconds === null ? '—' : formatDuration(r.trainSeconds),
    ]),
  );
  table(
    doc,
    [{ header: 'Model' }, { header: 'Seed', align: 'right' }, { header: 'Run', font: FONT.mono }, { header: 'Test accuracy', align: 'right' }, { header: 'Test loss', align: 'right' }, { header: 'Macro F1', align: 'right' }, { header: 'Time', align: 'right' }],
    rows,
    { caption: 'Result of each seed', size: SIZES.small },
  );
}
