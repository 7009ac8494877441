// The numbers behind the report (engine/report, pure): runs grouped into compared models, seed statistics, pairwise tests.
import type { Predictions, RunDetail } from '../../../shared/run.js';
import { NUM_CLASSES } from '../../../shared/classes.js';
import { colorsForRuns, runColor } from '../../../shared/charts/theme.js';
import { mcnemar, meanStd, type McNemarResult } from '../eval/stats.js';
import { ReportError } from './errors.js';
import { compareConfigs, type ConfigChange } from './settings.js';

export { describeLayer, architectureText, flattenSettings, type ConfigChange } from './settings.js';

export interface RunView {
  run: RunDetail;
  predictions: Predictions | null;
  id: string;
  name: string;
  seed: number | null;
  repeatIndex: number;
  accuracy: number | null;
  loss: number | null;
  macroF1: number | null;
  trainSeconds: number | null;
}

export interface Stat {
  mean: number;
  std: number;
  n: number;
}

/** One compared model: a single run, or the runs of one repeat group (same config, seeds s…s+N−1). */
export interface Arm {
  index: number;
  name: string;
  /** The name shortened for chart legends and axes, which cannot wrap. */
  label: string;
  color: string;
  runs: RunView[];
  /** The run whose details (curves, confusion matrix, mistakes) the report shows: the first repeat with test metrics. */
  rep: RunView;
  grouped: boolean;
  accuracy: Stat | null;
  loss: Stat | null;
  macroF1: Stat | null;
  trainSeconds: Stat | null;
}

export interface McNemarOutcome extends McNemarResult {
  /** Test images both models were evaluated on. */
  n: number;
  bothRight: number;
  bothWrong: number;
}

export interface SeedPair {
  repeatIndex: number;
  a: RunView;
  b: RunView;
  test: McNemarOutcome | null;
}

/** Arm `b` against the baseline arm `a` (the first one). */
export interface Comparison {
  a: Arm;
  b: Arm;
  /** b − a of the mean test accuracy. */
  deltaAccuracy: number | null;
  /** On the representative runs. */
  test: McNemarOutcome | null;
  /** Repeats paired by repeat index, when both arms are groups. */
  seedPairs: SeedPair[];
  /** b − a per class. */
  f1Delta: number[] | null;
  /** b − a per cell. */
  confusionDelta: number[][] | null;
  configChanges: ConfigChange[];
  identicalSettings: number;
}

export interface Analysis {
  arms: Arm[];
  comparisons: Comparison[];
  /** Arms sorted by mean accuracy, best first (arms without test metrics last). */
  ranking: Arm[];
}

function view(run: RunDetail, predictions: Predictions | null): RunView {
  const test = run.test;
  return {
    run,
    predictions,
    id: run.summary.id,
    name: run.summary.name,
    seed: run.config?.seed ?? null,
    repeatIndex: run.config?.repeatIndex ?? 0,
    accuracy: test?.accuracy ?? null,
    loss: test?.loss ?? null,
    macroF1: test?.report.macro.f1 ?? null,
    trainSeconds: run.summary.trainSeconds,
  };
}

function stat(values: (number | null)[]): Stat | null {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  return v.length === 0 ? null : meanStd(v);
}

/** "seed-cnn #1", "seed-cnn #2" → "seed-cnn": what the runs of a group share, without trailing separators. */
export function commonName(names: readonly string[]): string {
  if (names.length === 0) return '';
  let prefix = names[0];
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  // A partial number ('cnn (seed 4' of 42 and 43) goes first, then the separators and words before it.
  return prefix.replace(/\d+$/, '').replace(/[\s#([·:,_=-]*(seed|repeat|run)?[\s#=]*$/i, '').trim();
}

/** At most `max` characters, the middle elided so both the start and the distinguishing end stay readable. */
export function chartLabel(name: string, max = 24): string {
  if (name.length <= max) return name;
  const tail = Math.floor((max - 1) / 3);
  return `${name.slice(0, max - 1 - tail)}…${name.slice(name.length - tail)}`;
}

export function groupArms(runs: readonly RunDetail[], predictions: readonly (Predictions | null)[], colorIndex?: ReadonlyMap<string, number>): Arm[] {
  if (runs.length === 0) throw new ReportError('no runs to report on; pass at least one run', 'input');
  if (predictions.length !== runs.length) {
    throw new ReportError(`${runs.length} runs but ${predictions.length} prediction entries; pass one (or null) per run`, 'input');
  }
  const groups = new Map<string, RunView[]>();
  runs.forEach((run, i) => {
    const key = run.config?.groupId ? `group:${run.config.groupId}` : `run:${run.summary.id}:${i}`;
    const list = groups.get(key) ?? [];
    list.push(view(run, predictions[i]));
    groups.set(key, list);
  });
  const arms: Arm[] = [...groups.values()].map((list, index) => {
    list.sort((x, y) => x.repeatIndex - y.repeatIndex);
    const grouped = list.length > 1;
    const rep = list.find((r) => r.run.test !== null) ?? list[0];
    const name = grouped
      ? commonName(list.map((r) => r.name)) || rep.run.config?.request.name || rep.run.config?.request.model.name || rep.name
      : rep.name;
    return {
      index,
      name,
      label: chartLabel(name),
      color: runColor(index),
      runs: list,
      rep,
      grouped,
      accuracy: stat(list.map((r) => r.accuracy)),
      loss: stat(list.map((r) => r.loss)),
      macroF1: stat(list.map((r) => r.macroF1)),
      trainSeconds: stat(list.map((r) => r.trainSeconds)),
    };
  });
  // Each arm in the colour its (representative) run has on screen, as long as no two arms would share one.
  const colors = colorsForRuns(arms.map((a) => a.rep.run.summary.id), colorIndex);
  arms.forEach((arm, i) => (arm.color = colors[i]));
  // Two arms must never read the same in tables and legends.
  const seen = new Map<string, number>();
  for (const arm of arms) {
    const k = arm.name;
    const count = (seen.get(k) ?? 0) + 1;
    seen.set(k, count);
    if (count > 1) {
      arm.name = `${k} (${count})`;
      arm.label = chartLabel(arm.name);
    }
  }
  return arms;
}

/** McNemar on the test images both runs predicted, matched by test index (so differing orders still pair up). */
export function pairedTest(a: Predictions | null, b: Predictions | null): McNemarOutcome | null {
  if (!a || !b) return null;
  const bByIndex = new Map<number, number>();
  b.testIndices.forEach((t, i) => bByIndex.set(t, i));
  const labels: number[] = [];
  const pa: number[] = [];
  const pb: number[] = [];
  a.testIndices.forEach((t, i) => {
    const j = bByIndex.get(t);
    if (j === undefined) return;
    if (a.labels[i] !== b.labels[j]) {
      throw new ReportError(`test image ${t} has label ${a.labels[i]} in one run and ${b.labels[j]} in the other; were they evaluated on the same data?`, 'predictions');
    }
    labels.push(a.labels[i]);
    pa.push(a.predicted[i]);
    pb.push(b.predicted[j]);
  });
  if (labels.length === 0) return null;
  const r = mcnemar(labels, pa, pb);
  let bothRight = 0;
  let bothWrong = 0;
  for (let i = 0; i < labels.length; i++) {
    const ar = pa[i] === labels[i];
    const br = pb[i] === labels[i];
    if (ar && br) bothRight++;
    else if (!ar && !br) bothWrong++;
  }
  return { ...r, n: labels.length, bothRight, bothWrong };
}

function compare(a: Arm, b: Arm): Comparison {
  const ta = a.rep.run.test;
  const tb = b.rep.run.test;
  const f1Delta = ta && tb ? tb.report.perClass.map((c, i) => c.f1 - ta.report.perClass[i].f1) : null;
  const confusionDelta =
    ta && tb && ta.confusion.length === NUM_CLASSES && tb.confusion.length === NUM_CLASSES
      ? tb.confusion.map((row, i) => row.map((v, j) => v - ta.confusion[i][j]))
      : null;
  const seedPairs: SeedPair[] = [];
  if (a.grouped && b.grouped) {
    for (const ra of a.runs) {
      const rb = b.runs.find((r) => r.repeatIndex === ra.repeatIndex);
      if (rb) seedPairs.push({ repeatIndex: ra.repeatIndex, a: ra, b: rb, test: pairedTest(ra.predictions, rb.predictions) });
    }
  }
  const { changes, identical } = compareConfigs(a.rep.run, b.rep.run, a.rep.seed !== b.rep.seed);
  return {
    a,
    b,
    deltaAccuracy: a.accuracy && b.accuracy ? b.accuracy.mean - a.accuracy.mean : null,
    test: pairedTest(a.rep.predictions, b.rep.predictions),
    seedPairs,
    f1Delta,
    confusionDelta,
    configChanges: changes,
    identicalSettings: identical,
  };
}

export function analyse(runs: readonly RunDetail[], predictions: readonly (Predictions | null)[], colorIndex?: ReadonlyMap<string, number>): Analysis {
  const arms = groupArms(runs, predictions, colorIndex);
  const comparisons = arms.slice(1).map((b) => compare(arms[0], b));
  const ranking = [...arms].sort((x, y) => (y.accuracy?.mean ?? -1) - (x.accuracy?.mean ?? -1));
  return { arms, comparisons, ranking };
}

/** Conventional 5 % level; the report states it next to every test. */
export const ALPHA = 0.05;

/** The p-value to judge by: the exact binomial one when discordant pairs are few, as McNemar's χ² is unreliable there. */
export function decisiveP(t: McNemarResult): { p: number; exact: boolean } {
  const exact = t.n01 + t.n10 < 25;
  return { p: exact ? t.exactPValue : t.pValue, exact };
}
