// The title page's summary (engine/report, pure): one paragraph written from the numbers, never from a template of claims.
import { CLASS_NAMES } from '../../../shared/classes.js';
import type { ConfusionPair } from '../../../shared/run.js';
import { ALPHA, decisiveP, type Analysis, type Arm, type Comparison } from './analysis.js';
import { formatDuration, formatInt, formatMeanStd, formatP, formatPercent, formatPoints } from './format.js';
import { REFERENCE_POINTS } from './references.js';

function pairText(p: ConfusionPair): string {
  return `${CLASS_NAMES[p.actual]} as ${CLASS_NAMES[p.predicted]} (${formatInt(p.count)})`;
}

function accText(arm: Arm): string {
  if (!arm.accuracy) return 'no test result';
  if (arm.grouped) return `${formatPercent(arm.accuracy.mean)} ± ${(arm.accuracy.std * 100).toFixed(2)} pp over ${arm.accuracy.n} seeds`;
  return formatPercent(arm.accuracy.mean);
}

export function significanceSentence(c: Comparison): string {
  const t = c.test;
  if (!t) return 'No paired significance test was possible (test predictions are missing for one of the runs).';
  const { p, exact } = decisiveP(t);
  const sig = p < ALPHA;
  const how = exact ? `exact McNemar test, p\u00a0=\u00a0${formatP(p)}` : `McNemar's χ²\u00a0=\u00a0${t.statistic.toFixed(2)}, p\u00a0=\u00a0${formatP(p)}`;
  const discord = `the models disagree on ${formatInt(t.n01 + t.n10)} of ${formatInt(t.n)} test images: only ${c.a.name} is right on ${formatInt(t.n01)}, only ${c.b.name} on ${formatInt(t.n10)}`;
  const which = c.a.grouped || c.b.grouped ? 'On the first seed of each model the difference' : 'The difference';
  return sig
    ? `${which} is statistically significant at the 5\u00a0% level (${how}; ${discord}).`
    : `${which} is not statistically significant at the 5\u00a0% level (${how}; ${discord}), so the ranking could change with another seed.`;
}

function seedSentence(c: Comparison): string | null {
  if (!c.a.accuracy || !c.b.accuracy || (!c.a.grouped && !c.b.grouped)) return null;
  const lowB = c.b.accuracy.mean - c.b.accuracy.std;
  const highB = c.b.accuracy.mean + c.b.accuracy.std;
  const lowA = c.a.accuracy.mean - c.a.accuracy.std;
  const highA = c.a.accuracy.mean + c.a.accuracy.std;
  const overlap = lowA <= highB && lowB <= highA;
  const pairs = c.seedPairs.filter((s) => s.test);
  const sigPairs = pairs.filter((s) => decisiveP(s.test!).p < ALPHA).length;
  const parts = [`Across seeds the mean ± std intervals ${overlap ? 'overlap' : 'do not overlap'} (${formatMeanStd(c.a.accuracy.mean, c.a.accuracy.std)} vs ${formatMeanStd(c.b.accuracy.mean, c.b.accuracy.std)})`];
  if (pairs.length > 0) parts.push(`McNemar's test is significant for ${sigPairs} of ${pairs.length} seed pairs`);
  return `${parts.join('; ')}.`;
}

function confusionSentence(arms: readonly Arm[]): string | null {
  const tops = arms.map((a) => ({ arm: a, top: a.rep.run.test?.topPairs[0] ?? null })).filter((x) => x.top);
  if (tops.length === 0) return null;
  const same = tops.every((t) => t.top!.actual === tops[0].top!.actual && t.top!.predicted === tops[0].top!.predicted);
  if (same && tops.length > 1) {
    const p = tops[0].top!;
    const counts = tops.map((t) => `${t.arm.name} ${formatInt(t.top!.count)}`).join(', ');
    return `${tops.length === 2 ? 'Both' : 'All'} models most often mistake ${CLASS_NAMES[p.actual]} for ${CLASS_NAMES[p.predicted]} (${counts} test images).`;
  }
  return `The most frequent confusion is ${tops.map((t) => `${pairText(t.top!)} for ${t.arm.name}`).join('; ')}.`;
}

function referenceSentence(best: Arm): string | null {
  if (!best.accuracy) return null;
  const human = REFERENCE_POINTS.find((r) => r.label.startsWith('Human'));
  const cnn = REFERENCE_POINTS.find((r) => r.onChart && r.label.startsWith('2 Conv'));
  const parts: string[] = [];
  if (human) parts.push(`${best.accuracy.mean >= human.accuracy ? 'above' : 'below'} the published human performance of ${formatPercent(human.accuracy, 1)}`);
  if (cnn) parts.push(`${best.accuracy.mean >= cnn.accuracy ? 'above' : 'below'} the 2-conv CNN entry of the Fashion-MNIST benchmark (${formatPercent(cnn.accuracy, 1)})`);
  return parts.length ? `The best model is ${parts.join(' and ')}.` : null;
}

function timeSentence(ranking: readonly Arm[]): string | null {
  const timed = ranking.filter((a) => a.trainSeconds);
  if (timed.length < 2) return null;
  const [fast, slow] = [...timed].sort((x, y) => x.trainSeconds!.mean - y.trainSeconds!.mean).filter((_, i, l) => i === 0 || i === l.length - 1);
  const ratio = slow.trainSeconds!.mean / Math.max(1e-9, fast.trainSeconds!.mean);
  return `Training took ${formatDuration(slow.trainSeconds!.mean)} for ${slow.name} and ${formatDuration(fast.trainSeconds!.mean)} for ${fast.name} (${ratio.toFixed(1)}×).`;
}

/** One paragraph: who won and by how much, whether it is significant, where the models are confused, the cost. */
export function summaryParagraph(analysis: Analysis): string {
  const { arms, ranking, comparisons } = analysis;
  const evaluated = ranking.filter((a) => a.accuracy);
  if (evaluated.length === 0) return `None of the ${arms.length} runs has test results yet, so there is nothing to compare; the report lists their configuration and training progress.`;
  const out: string[] = [];
  if (arms.length === 1) {
    const a = arms[0];
    const t = a.rep.run.test;
    const params = a.rep.run.begin?.params ?? a.rep.run.summary.params;
    out.push(
      `${a.name}${params ? ` (${formatInt(params)} parameters)` : ''} reached a test accuracy of ${accText(a)}${t ? ` with a test loss of ${t.loss.toFixed(4)} on ${formatInt(t.samples)} test images` : ''}.`,
    );
  } else {
    const best = evaluated[0];
    const second = evaluated[1];
    if (second) {
      const d = best.accuracy!.mean - second.accuracy!.mean;
      out.push(`${best.name} achieved the highest test accuracy, ${accText(best)}, ${formatPoints(d)} ahead of ${second.name} (${accText(second)}).`);
      const c = comparisons.find((x) => (x.a === best && x.b === second) || (x.a === second && x.b === best));
      if (c) {
        out.push(significanceSentence(c));
        const s = seedSentence(c);
        if (s) out.push(s);
      }
    } else out.push(`Only ${best.name} has test results: ${accText(best)}.`);
    if (evaluated.length > 2) out.push(`${evaluated.length - 2} further model${evaluated.length > 3 ? 's' : ''} rank below: ${evaluated.slice(2).map((a) => `${a.name} ${accText(a)}`).join(', ')}.`);
  }
  const conf = confusionSentence(evaluated);
  if (conf) out.push(conf);
  const ref = referenceSentence(evaluated[0]);
  if (ref) out.push(ref);
  const time = timeSentence(evaluated);
  if (time) out.push(time);
  return out.join(' ');
}
