// Section "Calibration and feature space" (engine/report): reliability, ECE/MCE, temperature, ROC AUC, PCA embedding.
import { CLASS_NAMES } from '../../../../shared/classes.js';
import { DEFAULT_CALIBRATION_BINS } from '../../../../shared/calibration.js';
import { curvesOption, embeddingOption, reliabilityDiagramOption } from '../../../../shared/charts/insight.js';
import type { Calibration, Embedding } from '../../../../shared/insight.js';
import { COLORS, SIZES } from '../document.js';
import { FONT } from '../fonts.js';
import { table } from '../table.js';
import { chartFigure, chartPair } from '../charts.js';
import type { Arm } from '../analysis.js';
import { formatInt } from '../format.js';
import { PDF_THEME } from './data.js';
import type { SectionContext } from '../input.js';

/** Points drawn per embedding plot: every k-th test image, so the vector chart stays a few hundred kB. */
const PRINT_POINTS = 3000;
const SHIRT = 6;

const f4 = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(4));
const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${(100 * v).toFixed(1)}%`);

function thin(e: Embedding): Embedding {
  const stride = Math.max(1, Math.ceil(e.x.length / PRINT_POINTS));
  const keep = (a: readonly number[]) => a.filter((_, i) => i % stride === 0);
  return { ...e, x: keep(e.x), y: keep(e.y), labels: keep(e.labels), predicted: keep(e.predicted), testIndices: keep(e.testIndices) };
}

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${s}`;
}

function axes(e: Embedding): [string, string] {
  if (e.method !== 'pca' || !e.explained) return ['UMAP 1', 'UMAP 2'];
  return [`PC1 (${(100 * e.explained[0]).toFixed(0)}% of variance)`, `PC2 (${(100 * (e.explained[1] ?? 0)).toFixed(0)}%)`];
}

export function calibrationSection(ctx: SectionContext): void {
  const { doc, charts, analysis, input } = ctx;
  const cal = input.insight?.calibration ?? new Map<string, Calibration>();
  const emb = input.insight?.embeddings ?? new Map<string, Embedding>();
  const arms = analysis.arms.filter((a) => cal.has(a.rep.id));
  if (arms.length === 0) return;
  const of = (a: Arm) => cal.get(a.rep.id)!;

  doc.heading(1, 'Calibration and feature space');
  doc.paragraph(
    'A classifier is calibrated when its confidence matches how often it is right: of the test images it labels with 80\u00a0% confidence, 80\u00a0% should be correct. ' +
      `The reliability diagram sorts the test images by the top-class probability into ${DEFAULT_CALIBRATION_BINS} equal-width bins and plots each bin's accuracy against its mean confidence; points below the diagonal are overconfident. ` +
      'The expected calibration error ECE = Σ (n_b / n)·|accuracy_b − confidence_b| weighs the gaps by bin size, the maximum calibration error MCE is the largest gap. ' +
      'Temperature scaling (Guo et al., 2017) divides the logits by one number T, fitted on the validation split by minimising its negative log-likelihood; it changes the confidences, never the predicted class. ' +
      'These numbers are computed from each run\'s saved model on its own test split.',
  );

  doc.heading(2, 'Reliability diagram, ECE and MCE');
  chartFigure(doc, charts, `reliability-${arms.map((a) => a.rep.id).join('-')}`, `Reliability diagram on the test set (${DEFAULT_CALIBRATION_BINS} equal-width bins; empty bins omitted)`, () =>
    reliabilityDiagramOption({ runs: arms.map((a) => ({ name: a.label, color: a.color, bins: of(a).bins })), theme: PDF_THEME, animation: false }),
  { heightRatio: 0.55, widthFraction: 0.8 });
  table(
    doc,
    [
      { header: 'Run' }, { header: 'Test images', align: 'right' }, { header: 'ECE', align: 'right' }, { header: 'MCE', align: 'right' },
      { header: 'T', align: 'right' }, { header: 'ECE after T', align: 'right' }, { header: 'MCE after T', align: 'right' },
      { header: 'Conf. correct', align: 'right' }, { header: 'Conf. wrong', align: 'right' },
    ],
    arms.map((a) => {
      const c = of(a);
      return [a.name, formatInt(c.samples), f4(c.ece), f4(c.mce), c.temperature ? c.temperature.value.toFixed(3) : '—',
        f4(c.temperature?.eceAfter), f4(c.temperature?.mceAfter), pct(c.confidence.correct), pct(c.confidence.wrong)];
    }),
    { caption: 'Calibration per run: ECE and MCE before and after temperature scaling (T fitted on validation), mean confidence of correct and wrong answers', compact: true, size: SIZES.small },
  );
  for (const a of arms) {
    const c = of(a);
    if (!c.temperature) continue;
    const t = c.temperature;
    const dir = t.value > 1 ? 'overconfident (T > 1 softens its probabilities)' : 'underconfident (T < 1 sharpens its probabilities)';
    doc.paragraph(
      `${a.name}: T = ${t.value.toFixed(3)} fitted on ${formatInt(t.validationSamples)} validation images (validation NLL ${t.nllBefore.toFixed(4)} → ${t.nllAfter.toFixed(4)}); the model was ${dir}. Test ECE ${f4(t.eceBefore)} → ${f4(t.eceAfter)}.`,
      { size: SIZES.small, color: COLORS.muted, after: 2 },
    );
  }

  doc.heading(2, 'Per-class ROC AUC');
  doc.paragraph('One-vs-rest: each class\'s probability ranks the test images against all other classes; the area under the ROC curve is the chance that a random image of the class outranks a random other image (ties count half). Average precision summarises the precision–recall curve.', { size: SIZES.small });
  const rows = CLASS_NAMES.map((name, k) => [name, ...arms.flatMap((a) => [f4(of(a).perClass[k]?.rocAuc), f4(of(a).perClass[k]?.averagePrecision)])]);
  const macro = (a: Arm, key: 'rocAuc' | 'averagePrecision') => {
    const v = of(a).perClass.map((p) => p[key]).filter((x): x is number => x !== null);
    return v.length ? v.reduce((s, x) => s + x, 0) / v.length : null;
  };
  rows.push(['macro mean', ...arms.flatMap((a) => [f4(macro(a, 'rocAuc')), f4(macro(a, 'averagePrecision'))])]);
  table(
    doc,
    [{ header: 'Class' }, ...arms.flatMap((a) => [{ header: `${a.label} AUC`, align: 'right' as const }, { header: `${a.label} AP`, align: 'right' as const }])],
    rows,
    {
      caption: 'ROC AUC and average precision per class on the test set (one-vs-rest)', compact: true, size: arms.length > 3 ? SIZES.small - 1 : SIZES.small,
      rowStyle: (i) => (i === CLASS_NAMES.length ? { font: FONT.bold } : undefined),
    },
  );
  chartFigure(doc, charts, `roc-shirt-${arms.map((a) => a.rep.id).join('-')}`, `ROC curves of the hardest class, ${CLASS_NAMES[SHIRT]}, against the rest`, () =>
    curvesOption({ kind: 'roc', curves: arms.map((a) => ({ name: a.label, color: a.color, ...of(a).perClass[SHIRT].roc })), theme: PDF_THEME, animation: false }),
  { heightRatio: 0.55, widthFraction: 0.7 });

  const withEmbedding = arms.filter((a) => emb.has(a.rep.id));
  if (withEmbedding.length === 0) return;
  // Kept with its plot: the heading and paragraph move to the next page when the figure would not follow them.
  doc.heading(2, 'Embedding of the penultimate layer', 420);
  const first = emb.get(withEmbedding[0].rep.id)!;
  const stride = Math.max(1, Math.ceil(first.x.length / PRINT_POINTS));
  doc.paragraph(
    `The activations of the layer before the classifier (${first.layer}, ${formatInt(first.dims)} values per image) for every test image, projected onto their first two principal components. ` +
      'Colour is the true class; hollow diamonds are misclassified images. Classes the network separates lie apart; the overlap of Shirt, T-shirt/top, Pullover and Coat is where its mistakes come from. ' +
      (stride === 1 ? `Each plot draws all ${formatInt(first.x.length)} test images.` : `Each plot draws every ${ordinal(stride)} test image (${formatInt(Math.ceil(first.x.length / stride))} of ${formatInt(first.x.length)}).`),
  );
  for (let i = 0; i < withEmbedding.length; i += 2) {
    const pair = withEmbedding.slice(i, i + 2);
    const build = (a: Arm) => () => embeddingOption({ points: thin(emb.get(a.rep.id)!), axes: axes(emb.get(a.rep.id)!), theme: PDF_THEME, animation: false, title: a.label, symbolSize: 3 });
    if (pair.length === 2) {
      chartPair(doc, charts, [`emb-${pair[0].rep.id}`, `emb-${pair[1].rep.id}`], `PCA of the penultimate layer: ${pair[0].name} (left) and ${pair[1].name} (right)`, [build(pair[0]), build(pair[1])], { heightRatio: 1.05 });
    } else {
      chartFigure(doc, charts, `emb-${pair[0].rep.id}`, `PCA of the penultimate layer: ${pair[0].name}`, build(pair[0]), { heightRatio: 0.8, widthFraction: 0.7 });
    }
  }
}
