// The title page's summary paragraph: written from the numbers, including when the difference is not significant.
import { describe, it, expect } from 'vitest';
import { analyse } from '../../../electron/engine/report/analysis.js';
import { summaryParagraph } from '../../../electron/engine/report/summary.js';
import { metricsFrom, predictionsFrom, runDetail } from './fixtures.js';

/** n labelled images, class i % 10; `wrong` lists the indices a model gets wrong (predicting the next class). */
function model(n: number, wrong: ReadonlySet<number>) {
  const labels = Array.from({ length: n }, (_, i) => i % 10);
  const predicted = labels.map((l, i) => (wrong.has(i) ? (l + 1) % 10 : l));
  return { labels, predicted };
}

const range = (from: number, to: number) => new Set(Array.from({ length: to - from }, (_, i) => from + i));
const squash = (s: string) => s.replace(/[\s\u00a0]+/g, ' ');

describe('summaryParagraph', () => {
  it('names the winner, the margin and a significant McNemar result', () => {
    // A wrong on 0..59, B wrong on 0..19: 40 images only B gets right, none only A: χ² = 39²/40 = 38.025.
    const a = model(200, range(0, 60));
    const b = model(200, range(0, 20));
    const runs = [runDetail({ id: 'a', name: 'ann', test: metricsFrom(a.labels, a.predicted) }), runDetail({ id: 'b', name: 'cnn', test: metricsFrom(b.labels, b.predicted) })];
    const text = squash(summaryParagraph(analyse(runs, [predictionsFrom(a.labels, a.predicted), predictionsFrom(b.labels, b.predicted)])));
    expect(text).toContain('cnn achieved the highest test accuracy, 90.00 %, +20.00 pp ahead of ann (70.00 %)');
    expect(text).toContain("is statistically significant at the 5 % level (McNemar's χ² = 38.02");
    expect(text).toContain('only ann is right on 0, only cnn on 40');
  });

  it('says so when the difference is not significant, using the exact test for few disagreements', () => {
    // 3 images only B gets right, 1 only A: 4 discordant pairs, exact two-sided p = 2 · P(X ≤ 1 | n = 4) = 0.625.
    const a = model(100, new Set([0, 1, 2, 3, 4, 5, 6]));
    const b = model(100, new Set([3, 4, 5, 6, 50]));
    const runs = [runDetail({ id: 'a', name: 'first', test: metricsFrom(a.labels, a.predicted) }), runDetail({ id: 'b', name: 'second', test: metricsFrom(b.labels, b.predicted) })];
    const text = squash(summaryParagraph(analyse(runs, [predictionsFrom(a.labels, a.predicted), predictionsFrom(b.labels, b.predicted)])));
    expect(text).toContain('second achieved the highest test accuracy, 95.00 %, +2.00 pp ahead of first (93.00 %)');
    expect(text).toContain('is not statistically significant at the 5 % level (exact McNemar test, p = 0.6250');
    expect(text).toContain('could change with another seed');
  });

  it('describes a single run and runs without results', () => {
    const a = model(50, range(0, 5));
    const one = squash(summaryParagraph(analyse([runDetail({ id: 'a', name: 'solo', test: metricsFrom(a.labels, a.predicted) })], [null])));
    expect(one).toContain('solo reached a test accuracy of 90.00 % with a test loss of 0.5000 on 50 test images');
    const none = summaryParagraph(analyse([runDetail({ id: 'x' }), runDetail({ id: 'y' })], [null, null]));
    expect(none).toContain('None of the 2 runs has test results yet');
  });
});
