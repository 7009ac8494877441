// The optional training options as a reader reads them (shared, pure): the report's hyperparameter table and the app.
import type { Hyperparameters } from './hyper.js';
import type { ModelSpec } from './spec.js';

type Schedule = Hyperparameters['schedule'];
type Augmentation = NonNullable<Hyperparameters['augmentation']>;

const rate = (v: number) => (v === 0 ? '0' : v >= 0.01 && v < 100 ? String(Number(v.toPrecision(3))) : v.toExponential(1));

/** What the optimiser minimises, in words. */
export function lossText(h: Pick<Hyperparameters, 'labelSmoothing' | 'augmentation'>): string {
  const parts = ['categorical cross-entropy'];
  if ((h.labelSmoothing ?? 0) > 0) parts.push(`label smoothing ${h.labelSmoothing}`);
  if ((h.augmentation?.mixupAlpha ?? 0) > 0) parts.push('mixed (soft) targets');
  return parts.length === 1 ? 'sparse categorical cross-entropy' : parts.join(', ');
}

export function extraScheduleText(s: Extract<Schedule, { type: 'plateau' | 'onecycle' }>, learningRate: number): string {
  if (s.type === 'plateau') {
    // PyTorch's rule: a cut once more than `patience` epochs in a row did not improve.
    const wait = s.patience + 1;
    return `× ${s.factor} after ${wait} epoch${wait === 1 ? '' : 's'} without a lower validation loss` +
      `${s.cooldown ? `, cooldown ${s.cooldown}` : ''}${s.minLr ? `, not below ${rate(s.minLr)}` : ''} (ReduceLROnPlateau)`;
  }
  const peak = s.maxLr ?? learningRate;
  return `one-cycle per batch: ${rate(peak / s.divFactor)} → ${rate(peak)} over the first ${Math.round(s.pctStart * 100)} % of the steps, ` +
    `then cosine down to ${rate(peak / s.divFactor / s.finalDivFactor)}`;
}

/** Rotation, zoom, cutout, mixup in words; '' when none is on. */
export function augmentationExtrasText(a: Augmentation): string {
  return [
    (a.rotation ?? 0) > 0 ? `rotation ≤ ±${a.rotation}°` : '',
    (a.zoom ?? 0) > 0 ? `zoom ${Number((1 - a.zoom!).toPrecision(6))}–${Number((1 + a.zoom!).toPrecision(6))}×` : '',
    a.cutout ? `cutout ${a.cutout.size}×${a.cutout.size} px with p = ${a.cutout.probability}` : '',
    (a.mixupAlpha ?? 0) > 0 ? `mixup α = ${a.mixupAlpha}` : '',
  ].filter(Boolean).join(', ');
}

/** Rows for the options a run set (none for a run without them, so old reports read as before). */
export function trainOptionRows(h: Hyperparameters, model?: ModelSpec): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  const clip = [h.clipValue !== undefined ? `each element to ±${h.clipValue}` : '', h.clipNorm !== undefined ? `global norm ≤ ${h.clipNorm}` : ''].filter(Boolean);
  if (clip.length) rows.push(['Gradient clipping', clip.join(', then ')]);
  const layers = model?.layers ?? [];
  const l2 = layers.flatMap((l, i) => ('kernelRegularizer' in l && l.kernelRegularizer && l.kernelRegularizer.l2 > 0 ? [`${i + 1}: ${l.kernelRegularizer.l2}`] : []));
  if (l2.length) rows.push(['L2 on kernels (layer: λ)', `${l2.join(', ')}; in the training loss, not in validation/test loss`]);
  const init = layers.flatMap((l, i) => ('kernelInitializer' in l && l.kernelInitializer && l.kernelInitializer !== 'glorotUniform' ? [`${i + 1}: ${l.kernelInitializer}`] : []));
  if (init.length) rows.push(['Kernel initializers (layer)', `${init.join(', ')}; others glorotUniform`]);
  return rows;
}
