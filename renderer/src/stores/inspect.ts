// Renderer inspector logic (pure): aligns two runs' test predictions and picks the images each tab shows.
import type { Predictions } from '../../../shared/run.js';

export interface InspectItem {
  testIndex: number;
  label: number;
  predA: number;
  predB: number | null;
  /** Softmax output of run A for this image, when A got it wrong (the contract stores probabilities of mistakes). */
  probsA: number[] | null;
  probsB: number[] | null;
}

/** 'a' = A's mistakes; with two runs also B's mistakes, both wrong, fixed by B (A wrong, B right), broken by B. */
export type InspectTab = 'a' | 'b' | 'both' | 'fixed' | 'broken';
export const TWO_RUN_TABS: readonly InspectTab[] = ['both', 'fixed', 'broken', 'a', 'b'];

export interface InspectFilter {
  tab: InspectTab;
  /** True class, or null for all. */
  actual: number | null;
  /**
   * Predicted class, or null for all. Whose prediction: A's on 'a' and 'fixed', B's on 'b' and 'broken', and on 'both'
   * A's and B's alike (both runs made that same mistake), so every tile a tab shows carries the filtered prediction.
   */
  predicted: number | null;
}

/**
 * Items for every test image both runs evaluated, keyed by test index (runs trained with different limits
 * may have evaluated different subsets; only the common images can be compared).
 */
export function alignPredictions(a: Predictions, b?: Predictions | null): InspectItem[] {
  const probsA = new Map(a.misclassified.map((m) => [m.index, m.probs]));
  const probsB = new Map((b?.misclassified ?? []).map((m) => [m.index, m.probs]));
  const bPred = b ? new Map(b.testIndices.map((ti, k) => [ti, b.predicted[k]])) : null;
  const out: InspectItem[] = [];
  a.testIndices.forEach((ti, k) => {
    const predB = bPred ? bPred.get(ti) : null;
    if (bPred && predB === undefined) return;
    out.push({ testIndex: ti, label: a.labels[k], predA: a.predicted[k], predB: predB ?? null, probsA: probsA.get(ti) ?? null, probsB: probsB.get(ti) ?? null });
  });
  return out;
}

function inTab(it: InspectItem, tab: InspectTab): boolean {
  const aWrong = it.predA !== it.label;
  const bWrong = it.predB !== null && it.predB !== it.label;
  switch (tab) {
    case 'a': return aWrong;
    case 'b': return bWrong;
    case 'both': return aWrong && bWrong;
    case 'fixed': return aWrong && it.predB === it.label;
    case 'broken': return !aWrong && bWrong;
  }
}

function predictedMatches(it: InspectItem, tab: InspectTab, predicted: number): boolean {
  switch (tab) {
    case 'a':
    case 'fixed': return it.predA === predicted;
    case 'b':
    case 'broken': return it.predB === predicted;
    case 'both': return it.predA === predicted && it.predB === predicted;
  }
}

/** Whether a cell filter asks for correctly classified images (then tabs do not apply: A's correct ones are listed). */
export function isCorrectCell(f: Omit<InspectFilter, 'tab'>): boolean {
  return f.actual !== null && f.actual === f.predicted;
}

/** What a tab shows under a filter, in words; `name(c)` gives a class name. Shown under the tabs so the label cannot mislead. */
export function describeSelection(f: InspectFilter, twoRuns: boolean, name: (c: number) => string): string {
  const truth = f.actual === null ? 'test images' : `${name(f.actual)} images`;
  if (isCorrectCell(f)) return `${truth} that A classified correctly`;
  const p = f.predicted === null ? null : name(f.predicted);
  const wrong = (who: string) => (p ? `${who} predicted ${p}` : `${who} is wrong`);
  if (!twoRuns) return `${truth} where ${wrong('A')}`;
  switch (f.tab) {
    case 'a': return `${truth} where ${wrong('A')}; B's prediction shown beside it`;
    case 'b': return `${truth} where ${wrong('B')}; A's prediction shown beside it`;
    case 'both': return p ? `${truth} where A and B both predicted ${p}` : `${truth} where A and B are both wrong`;
    case 'fixed': return `${truth} where ${wrong('A')} and B is right`;
    case 'broken': return `${truth} where A is right and ${wrong('B')}`;
  }
}

/** The probability behind the prediction the tab is about: how sure the model was of its mistake. */
export function confidence(it: InspectItem, tab: InspectTab): number | null {
  const maxOf = (p: number[] | null) => (p ? Math.max(...p) : null);
  if (tab === 'a' || tab === 'fixed') return maxOf(it.probsA);
  if (tab === 'b' || tab === 'broken') return maxOf(it.probsB);
  const a = maxOf(it.probsA);
  const b = maxOf(it.probsB);
  return a === null ? b : b === null ? a : Math.max(a, b);
}

/**
 * The images a tab shows, most confident first. A cell filter (actual, predicted) with actual === predicted
 * asks for correctly classified images: then the tab is ignored and run A's correct ones are listed.
 */
export function selectItems(items: readonly InspectItem[], f: InspectFilter): InspectItem[] {
  const correctCell = isCorrectCell(f);
  const picked = items.filter((it) => {
    if (f.actual !== null && it.label !== f.actual) return false;
    if (correctCell) return it.predA === f.actual;
    if (!inTab(it, f.tab)) return false;
    return f.predicted === null || predictedMatches(it, f.tab, f.predicted);
  });
  const conf = new Map(picked.map((it) => [it.testIndex, confidence(it, f.tab)]));
  return picked.sort((x, y) => (conf.get(y.testIndex) ?? -1) - (conf.get(x.testIndex) ?? -1) || x.testIndex - y.testIndex);
}

export function tabCounts(items: readonly InspectItem[], f: Omit<InspectFilter, 'tab'>, tabs: readonly InspectTab[]): Record<InspectTab, number> {
  const out = { a: 0, b: 0, both: 0, fixed: 0, broken: 0 } as Record<InspectTab, number>;
  for (const tab of tabs) out[tab] = selectItems(items, { ...f, tab }).length;
  return out;
}

/** The k most probable classes, highest first. */
export function topK(probs: readonly number[], k = 3): Array<{ cls: number; p: number }> {
  return probs.map((p, cls) => ({ cls, p })).sort((x, y) => y.p - x.p).slice(0, k);
}
