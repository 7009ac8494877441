// Report inputs for the Grad-CAM pages (engine/report): for each convolutional run, its most confident mistake in each
// direction of the Shirt↔Coat, Pullover↔Coat and T-shirt↔Shirt pairs, with Grad-CAM maps of the true and predicted class.
import { CLASS_NAMES, classIndex } from '../../../shared/classes.js';
import type { ExplainRequest, ExplainResponse } from '../../../shared/explain.js';
import type { Predictions, RunDetail } from '../../../shared/run.js';

/** The pairs the report explains, both directions each (true class first). */
export const GRADCAM_PAIRS: ReadonlyArray<readonly [string, string]> = [['Shirt', 'Coat'], ['Pullover', 'Coat'], ['T-shirt/top', 'Shirt']];
/** At most this many runs get Grad-CAM pages (repeats of one config would repeat the same story). */
export const MAX_GRADCAM_RUNS = 8;

export interface ExplainedMistake {
  index: number;
  label: number;
  predicted: number;
  probabilities: number[];
  /** Grad-CAM of the true class and of the predicted class, 28×28. */
  trueMap: number[][];
  predictedMap: number[][];
}

export interface RunExplanations {
  runId: string;
  layer: string;
  /** One entry per directed pair, in GRADCAM_PAIRS order (true → predicted, then the reverse); null: no such mistake. */
  mistakes: Array<{ actual: number; predicted: number; mistake: ExplainedMistake | null }>;
}

export type ExplainFn = (request: ExplainRequest) => Promise<ExplainResponse>;

export function hasConv(run: RunDetail): boolean {
  return run.config?.request.model.layers.some((l) => l.type === 'Conv2D') ?? false;
}

export function directedPairs(): Array<[number, number]> {
  return GRADCAM_PAIRS.flatMap(([a, b]) => [[classIndex(a), classIndex(b)], [classIndex(b), classIndex(a)]] as Array<[number, number]>);
}

/** The mistake of `actual` taken for `predicted` with the highest probability on the wrong class. */
export function mostConfident(p: Predictions, actual: number, predicted: number): Predictions['misclassified'][number] | null {
  let best: Predictions['misclassified'][number] | null = null;
  for (const m of p.misclassified) {
    if (m.label !== actual || m.predicted !== predicted) continue;
    if (!best || m.probs[predicted] > best.probs[predicted] || (m.probs[predicted] === best.probs[predicted] && m.index < best.index)) best = m;
  }
  return best;
}

/** Grad-CAM for every finished conv run with predictions; a run that cannot be explained becomes a warning. */
export async function gatherExplanations(runs: readonly RunDetail[], predictions: readonly (Predictions | null)[], explain: ExplainFn, warnings: string[]): Promise<RunExplanations[]> {
  const out: RunExplanations[] = [];
  const candidates = runs.map((run, i) => ({ run, p: predictions[i] })).filter((c) => c.p && c.run.summary.status === 'finished' && hasConv(c.run));
  for (const { run, p } of candidates.slice(0, MAX_GRADCAM_RUNS)) {
    const runId = run.summary.id;
    try {
      let layer = '';
      const mistakes: RunExplanations['mistakes'] = [];
      for (const [actual, predicted] of directedPairs()) {
        const m = mostConfident(p!, actual, predicted);
        if (!m) {
          mistakes.push({ actual, predicted, mistake: null });
          continue;
        }
        const r = await explain({ runId, split: 'test', index: m.index, method: 'gradcam', classes: [actual, predicted] });
        layer = r.layer ?? layer;
        mistakes.push({ actual, predicted, mistake: { index: m.index, label: r.label, predicted: r.predicted, probabilities: r.probabilities, trueMap: r.maps[0].heatmap, predictedMap: r.maps[1].heatmap } });
      }
      out.push({ runId, layer, mistakes });
    } catch (err) {
      warnings.push(`run ${runId}: Grad-CAM pages left out (${(err as Error).message})`);
    }
  }
  if (candidates.length > MAX_GRADCAM_RUNS) warnings.push(`Grad-CAM pages cover the first ${MAX_GRADCAM_RUNS} of ${candidates.length} convolutional runs`);
  return out;
}

export const pairTitle = (actual: number, predicted: number) => `${CLASS_NAMES[actual]} → ${CLASS_NAMES[predicted]}`;
