// @vitest-environment jsdom
// Compare: the significance card and the metrics table colour a difference only when McNemar's test finds it significant.
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import CompareSignificance from '../../../renderer/src/components/CompareSignificance.vue';
import CompareMetrics from '../../../renderer/src/components/CompareMetrics.vue';
import ConfigDiff from '../../../renderer/src/components/ConfigDiff.vue';
import type { ComparedRun } from '../../../renderer/src/components/compareTypes.js';
import { pairedComparison } from '../../../renderer/src/stores/compareMath.js';
import { predictions } from '../fixtures.js';

const cls = { precision: 0.9, recall: 0.9, f1: 0.9, support: 10 };
function run(id: string, role: string, accuracy: number, layers: unknown[] = [], lr = 0.001): ComparedRun {
  const test = { accuracy, loss: 0.3, samples: 2000, confusion: [], report: { perClass: Array(10).fill(cls), macro: cls, weighted: cls, accuracy } };
  const config = { request: { model: { name: 'm', inputShape: [784], layers }, hyper: { learningRate: lr, batchSize: 128 }, data: { limit: null }, backend: 'cpu' }, seed: 42 };
  const detail = { summary: { id, name: id, params: 1, trainSeconds: 1, samplesPerSecond: 1, backend: 'cpu' }, epochs: [], config, begin: null, test };
  return { id, name: id, role, color: '#888', detail, test } as unknown as ComparedRun;
}

/** 2,000 images, label 0: A right on the first `aRight`, B on the first `bRight` (so all discordance favours one side). */
function pair(aRight: number, bRight: number) {
  const idx = Array.from({ length: 2000 }, (_, i) => i);
  const p = (k: number) => predictions(idx, idx.map(() => 0), idx.map((i) => (i < k ? 0 : 1)));
  return pairedComparison(p(aRight), p(bRight));
}

describe('Compare significance', () => {
  it('shows McNemar\'s χ², p and the 95 % CI, and leaves a non-significant +0.85 pp uncoloured', () => {
    // The case: 2,000 images, 1,700 both right, 54 only A right, 71 only B right: +17 / 2000 = +0.85 pp, p = 0.152.
    const idx = Array.from({ length: 2000 }, (_, i) => i);
    const a = predictions(idx, idx.map(() => 0), idx.map((i) => (i < 1700 || (i >= 1700 && i < 1754) ? 0 : 1)));
    const b = predictions(idx, idx.map(() => 0), idx.map((i) => (i < 1700 || (i >= 1754 && i < 1825) ? 0 : 1)));
    const t = pairedComparison(a, b);
    const runs = [run('a', 'A', 0.877), run('b', 'B', 0.8855)];
    const w = mount(CompareSignificance, { props: { runs, tests: { b: t } } });
    const row = w.get('[data-testid=significance-B]');
    expect(row.attributes('data-significant')).toBe('false');
    expect(row.get('[data-testid=significance-diff]').text()).toBe('+0.85 pp');
    expect(row.get('[data-testid=significance-diff]').classes()).not.toContain('ok-text');
    expect(row.get('[data-testid=significance-p]').text()).toBe('0.15');
    expect(row.get('[data-testid=significance-ci]').text()).toMatch(/^\[−0\.\d\d pp, \+\d\.\d\d pp\]$/);
    expect(row.get('[data-testid=significance-verdict]').text()).toBe('No evidence of a difference: not significant, p = 0.15.');
    expect(w.text()).toContain('Newcombe');

    const m = mount(CompareMetrics, { props: { runs, tests: { b: t } } });
    expect(m.get('[data-testid=accuracy-delta-B]').text()).toBe('+0.85 pp');
    expect(m.get('[data-testid=accuracy-delta-B]').classes()).not.toContain('ok-text');
    expect(m.get('[data-testid=accuracy-significance-B]').text()).toBe('not significant, p = 0.15');
  });

  it('colours a significant difference by its direction', () => {
    const runs = [run('a', 'A', 0.85), run('b', 'B', 0.8), run('c', 'C', 0.9)];
    const tests = { b: pair(1700, 1600), c: pair(1700, 1800) };
    const w = mount(CompareSignificance, { props: { runs, tests } });
    expect(w.get('[data-testid=significance-B] [data-testid=significance-diff]').classes()).toContain('bad-text');
    expect(w.get('[data-testid=significance-C] [data-testid=significance-diff]').classes()).toContain('ok-text');
    expect(w.get('[data-testid=significance-C] [data-testid=significance-verdict]').text()).toMatch(/^C is better than A: significant, p < 0\.0001/);
    const m = mount(CompareMetrics, { props: { runs, tests } });
    expect(m.get('[data-testid=accuracy-delta-C]').classes()).toContain('ok-text');
    expect(m.get('[data-testid=accuracy-delta-B]').classes()).toContain('bad-text');
  });

  it('says McNemar needs the same test images when they differ, and colours nothing', () => {
    const t = pairedComparison(predictions([0, 1, 2], [0, 0, 0], [0, 0, 0]), predictions([0, 1], [0, 0], [0, 1]));
    const runs = [run('a', 'A', 1), run('b', 'B', 0.5)];
    const w = mount(CompareSignificance, { props: { runs, tests: { b: t } } });
    expect(w.get('[data-testid=significance-B]').text()).toMatch(/needs both runs evaluated on the same test images/);
    const m = mount(CompareMetrics, { props: { runs, tests: { b: t } } });
    expect(m.get('[data-testid=accuracy-delta-B]').classes()).not.toContain('bad-text');
  });
});

describe('ConfigDiff', () => {
  it('reports inserted, removed and changed layers instead of settings by position', () => {
    const dense = (units: number) => ({ type: 'Dense', units, activation: 'relu', useBias: true });
    const A = run('a', 'A', 0.9, [dense(256), { type: 'Dropout', rate: 0.2 }, dense(128), dense(10)]);
    const B = run('b', 'B', 0.9, [dense(512), dense(64), dense(128), dense(10)], 0.002);
    const w = mount(ConfigDiff, { props: { runs: [A, B] } });
    expect(w.get('[data-testid=config-diff-summary]').text()).toBe('1 layer inserted, 1 layer removed, 1 layer changed · 1 other setting differs');
    expect(w.findAll('[data-testid=layer-diff] tbody tr').map((r) => r.attributes('data-op'))).toEqual(['changed', 'removed', 'inserted', 'same', 'same']);
    expect(w.get('[data-op=changed]').text()).toContain('units 256 → 512');
    expect(w.get('[data-testid=settings-diff]').text()).toContain('hyper.learningRate');
  });
});
