// Section "Models" (engine/report): per model its architecture table, hyperparameters, training curves and time.
import type { Hyperparameters } from '../../../../shared/hyper.js';
import { inferShapes } from '../../../../shared/model/inferShapes.js';
import { kerasShapeText } from '../../../../shared/model/geometry.js';
import { memoryText } from '../../../../shared/model/summary.js';
import { trainingCurvesOption } from '../../../../shared/charts/trainingCurves.js';
import { COLORS, SIZES } from '../document.js';
import { FONT } from '../fonts.js';
import { table } from '../table.js';
import { chartPair } from '../charts.js';
import { describeLayer, type Arm } from '../analysis.js';
import { formatDuration, formatInt, formatPercent, formatRate } from '../format.js';
import { PDF_THEME, describeSplit } from './data.js';
import type { SectionContext } from '../input.js';
import { augmentationExtrasText, extraScheduleText, lossText, trainOptionRows } from '../../../../shared/trainOptionsText.js';

const ACTIVATION_NAMES: Record<string, string> = { relu: 'ReLU', relu6: 'ReLU6', elu: 'ELU', selu: 'SELU', gelu: 'GELU', softmax: 'Softmax', sigmoid: 'Sigmoid', tanh: 'tanh', softplus: 'Softplus', swish: 'Swish', linear: '—' };

function architecture(ctx: SectionContext, arm: Arm): void {
  const { doc } = ctx;
  const spec = arm.rep.run.config?.request.model;
  doc.heading(3, 'Architecture', 120);
  if (!spec) {
    doc.paragraph('The run has no stored configuration, so its architecture is unknown.', { color: COLORS.muted });
    return;
  }
  const report = inferShapes(spec);
  const rows = report.layers.map((l) => {
    const layer = spec.layers[l.index] as unknown as Record<string, unknown>;
    const desc = describeLayer({ ...layer, activation: undefined });
    const last = l.index === spec.layers.length - 1;
    // Graph models: what each layer takes, unless it is a merge (whose description names its inputs).
    const from = l.inputs && l.type !== 'Add' && l.type !== 'Concatenate' && !(l.inputs.length === 1 && l.index > 0 && l.inputs[0] === report.layers[l.index - 1]?.name) ? ` ← ${l.inputs.join(', ')}` : '';
    return [`${l.name}`, `${desc}${from}${last ? ' (output)' : ''}`, kerasShapeText(l.outputShape), l.activation ? ACTIVATION_NAMES[l.activation] ?? l.activation : '—', formatInt(l.params)];
  });
  rows.push(['Total', '', '', '', formatInt(report.totalParams)]);
  table(
    doc,
    [{ header: 'Layer', font: FONT.mono }, { header: 'Type' }, { header: 'Output shape', font: FONT.mono }, { header: 'Activation' }, { header: 'Parameters', align: 'right' }],
    rows,
    {
      caption: `${arm.name}: layers of "${spec.name}" (input ${kerasShapeText([null, ...spec.inputShape])})`,
      rowStyle: (r) => (r === rows.length - 1 ? { font: FONT.bold } : undefined),
      after: 4,
    },
  );
  doc.paragraph(
    `Total parameters: ${formatInt(report.totalParams)} (${memoryText(report.totalParams)} as float32), trainable ${formatInt(report.trainableParams)}, non-trainable ${formatInt(report.nonTrainableParams)}.` +
      (report.ok ? '' : ` The spec has problems: ${report.issues.map((i) => i.message).join('; ')}.`),
    { size: SIZES.small, color: COLORS.muted },
  );
}

export function optimizerText(h: Hyperparameters): string {
  const o = h.optimizer;
  const eps = (o.type === 'adam' || o.type === 'adamw') && o.epsilon !== undefined ? `, ε = ${o.epsilon}` : '';
  if (o.type === 'adam') return `Adam (β₁ = ${o.beta1}, β₂ = ${o.beta2}${eps})`;
  if (o.type === 'adamw') return `AdamW (β₁ = ${o.beta1}, β₂ = ${o.beta2}${eps}, decoupled weight decay ${o.weightDecay})`;
  if (o.type === 'sgd') return `SGD (momentum ${o.momentum}${o.nesterov ? ', Nesterov' : ''})`;
  return `RMSprop (ρ = ${o.rho}, momentum ${o.momentum})`;
}

export function scheduleText(h: Hyperparameters): string {
  const s = h.schedule;
  if (s.type === 'constant') return 'constant';
  if (s.type === 'step') return `× ${s.gamma} every ${s.stepEpochs} epochs`;
  if (s.type === 'plateau' || s.type === 'onecycle') return extraScheduleText(s, h.learningRate);
  return `cosine decay to ${formatRate(s.minLearningRate)}${s.warmupEpochs ? `, ${s.warmupEpochs} warm-up epochs` : ''}`;
}

function hyperparameters(ctx: SectionContext, arm: Arm): void {
  const { doc } = ctx;
  const req = arm.rep.run.config?.request;
  doc.heading(3, 'Hyperparameters', 100);
  if (!req) {
    doc.paragraph('Not recorded.', { color: COLORS.muted });
    return;
  }
  const h = req.hyper;
  const es = h.earlyStopping;
  const aug = h.augmentation;
  const rows: [string, string][] = [
    ['Optimizer', optimizerText(h)],
    ['Loss', lossText(h)],
    ['Learning rate', formatRate(h.learningRate)],
    ['Schedule', scheduleText(h)],
    ['Batch size', formatInt(h.batchSize)],
    ['Epochs (planned / trained)', `${h.epochs} / ${arm.rep.run.epochs.length}`],
    ['Early stopping', es ? `on ${es.monitor}, patience ${es.patience}, min Δ ${es.minDelta}${es.restoreBestWeights ? ', best weights restored' : ''}` : 'off'],
    ['Augmentation', aug && (aug.maxShift > 0 || aug.horizontalFlip || augmentationExtrasText(aug)) ? [aug.maxShift > 0 ? `random shift ≤ ${aug.maxShift} px` : '', aug.horizontalFlip ? 'horizontal flip' : '', augmentationExtrasText(aug)].filter(Boolean).join(', ') : 'none'],
    ...trainOptionRows(h, req.model),
    [arm.grouped ? 'Seeds' : 'Seed', arm.runs.map((r) => (r.seed === null ? '—' : String(r.seed))).join(', ')],
    ['Batches per epoch', arm.rep.run.begin ? formatInt(arm.rep.run.begin.batchesPerEpoch) : '—'],
    [arm.grouped ? 'Runs' : 'Run', arm.runs.map((r) => r.id).join(', ')],
    ['Data', req.data.limit === null ? 'full split' : `limited to ${formatInt(req.data.limit)} training images${req.data.fullTest ? ', full test set' : ''}`],
  ];
  table(doc, [{ header: 'Setting', font: FONT.bold, share: 0.3 }, { header: 'Value' }], rows, { caption: `${arm.name}: hyperparameters` });
}

function curves(ctx: SectionContext, arm: Arm): void {
  const { doc, charts } = ctx;
  const run = arm.rep.run;
  doc.heading(3, 'Training curves', 200);
  if (run.epochs.length === 0) {
    doc.paragraph('No epoch finished, so there are no curves.', { color: COLORS.muted });
    return;
  }
  const last = run.epochs[run.epochs.length - 1];
  const bestVal = run.epochs.reduce((b, e) => (e.valAccuracy > b.valAccuracy ? e : b), run.epochs[0]);
  const gap = last.accuracy - last.valAccuracy;
  doc.paragraph(
    `After ${run.epochs.length} epoch${run.epochs.length === 1 ? '' : 's'} the training accuracy is ${formatPercent(last.accuracy)} and the validation accuracy ${formatPercent(last.valAccuracy)} ` +
      `(best ${formatPercent(bestVal.valAccuracy)} after epoch ${bestVal.epoch + 1}). ` +
      (gap > 0.03 ? `The gap of ${(gap * 100).toFixed(1)} points between training and validation accuracy indicates over-fitting.` : `Training and validation accuracy stay within ${(Math.abs(gap) * 100).toFixed(1)} points, so there is little over-fitting.`) +
      (arm.grouped ? ` Curves of the first repeat (seed ${arm.rep.seed ?? '—'}).` : ''),
  );
  const series = [{ name: arm.name, color: arm.color, epochs: run.epochs }];
  chartPair(
    doc,
    charts,
    [`curves-acc-${run.summary.id}`, `curves-loss-${run.summary.id}`],
    `${arm.name}: accuracy (left) and loss (right) per epoch, training (solid) vs validation (dashed)`,
    [
      () => trainingCurvesOption({ runs: series, metric: 'accuracy', theme: PDF_THEME, animation: false }),
      () => trainingCurvesOption({ runs: series, metric: 'loss', theme: PDF_THEME, animation: false }),
    ],
  );
}

function timing(ctx: SectionContext, arm: Arm): void {
  const { doc } = ctx;
  const run = arm.rep.run;
  doc.heading(3, 'Training time', 120);
  if (run.epochs.length === 0) {
    doc.paragraph('No epoch finished.', { color: COLORS.muted });
    return;
  }
  const perEpoch = run.epochs.map((e) => e.seconds);
  const mean = perEpoch.reduce((a, b) => a + b, 0) / perEpoch.length;
  const total = run.summary.trainSeconds ?? perEpoch.reduce((a, b) => a + b, 0);
  const inference = run.test?.inferenceSeconds;
  doc.paragraph(
    `Training took ${formatDuration(total)} in total on the ${run.begin?.backend.name ?? run.summary.backend ?? 'unknown'} backend, ${formatDuration(mean)} per epoch on average ` +
      `(${formatInt(run.summary.samplesPerSecond ?? run.epochs[run.epochs.length - 1].samplesPerSecond)} training images per second)` +
      (inference !== undefined && run.test ? `; predicting the ${formatInt(run.test.samples)} test images took ${formatDuration(inference)}.` : '.') +
      (arm.grouped && arm.trainSeconds ? ` Over the ${arm.trainSeconds.n} seeds: ${formatDuration(arm.trainSeconds.mean)} ± ${formatDuration(arm.trainSeconds.std)}.` : ''),
  );
  const rows = run.epochs.map((e) => [
    String(e.epoch + 1),
    e.loss.toFixed(4),
    e.accuracy.toFixed(4),
    e.valLoss.toFixed(4),
    e.valAccuracy.toFixed(4),
    formatRate(Number(e.learningRate.toPrecision(3))), // a schedule's rates are arbitrary floats: 3 digits
    formatDuration(e.seconds),
    formatInt(e.samplesPerSecond),
  ]);
  table(
    doc,
    [
      { header: 'Epoch', align: 'right' },
      { header: 'Train loss', align: 'right' },
      { header: 'Train acc.', align: 'right' },
      { header: 'Val. loss', align: 'right' },
      { header: 'Val. acc.', align: 'right' },
      { header: 'Learning rate', align: 'right' },
      { header: 'Time', align: 'right' },
      { header: 'Images/s', align: 'right' },
    ],
    rows,
    { caption: `${arm.name}: per-epoch metrics and time${arm.grouped ? ` (seed ${arm.rep.seed ?? '—'})` : ''}`, size: SIZES.small },
  );
}

export function modelsSection(ctx: SectionContext): void {
  const { doc, analysis } = ctx;
  doc.heading(1, 'Models');
  const first = analysis.arms[0].rep.run.config?.request.data;
  const sameData = analysis.arms.every((a) => JSON.stringify(a.rep.run.config?.request.data) === JSON.stringify(first));
  doc.paragraph(
    `${analysis.arms.length === 1 ? 'The model was' : `The ${analysis.arms.length} models were`} trained with TensorFlow.js on the training split, with the validation split monitored after every epoch. ` +
      (sameData && analysis.arms.length > 1 ? 'All models saw the same data split. ' : '') +
      (first ? describeSplit(first).split(';')[0].replace(/\.$/, '') + '.' : ''),
  );
  for (const arm of analysis.arms) {
    doc.heading(2, arm.name);
    if (arm.grouped) {
      doc.paragraph(`${arm.runs.length} runs of the same configuration with seeds ${arm.runs.map((r) => r.seed ?? '—').join(', ')}; the curves and times below are of the first seed (${arm.rep.seed ?? '—'}).`);
    } else if (arm.rep.run.summary.status !== 'finished') {
      doc.paragraph(`The run ended as ${arm.rep.run.summary.status}${arm.rep.run.summary.reason ? `: ${arm.rep.run.summary.reason}` : ''}.`, { color: COLORS.bad });
    }
    architecture(ctx, arm);
    hyperparameters(ctx, arm);
    curves(ctx, arm);
    timing(ctx, arm);
  }
}
