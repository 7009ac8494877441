import { describe, expect, it } from 'vitest';
import { alignPredictions, describeSelection, selectItems, tabCounts, topK, TWO_RUN_TABS } from '../../../renderer/src/stores/inspect.js';
import { predictions } from '../fixtures.js';

// Test images 0..5 with labels; A and B predictions chosen so every tab has members.
const labels = [6, 6, 2, 4, 0, 6];
const A = predictions([0, 1, 2, 3, 4, 5], labels, [4, 0, 2, 2, 0, 4], { 0: 0.9, 5: 0.7 });
const B = predictions([0, 1, 2, 3, 4, 5], labels, [4, 6, 6, 4, 0, 6], { 0: 0.8 });

describe('inspector selection', () => {
  const items = alignPredictions(A, B);

  it('aligns the two runs by test index', () => {
    expect(items.map((i) => [i.testIndex, i.predA, i.predB])).toEqual([[0, 4, 4], [1, 0, 6], [2, 2, 6], [3, 2, 4], [4, 0, 0], [5, 4, 6]]);
    expect(items[0].probsA?.[4]).toBe(0.9);
    expect(items[2].probsA).toBeNull();
  });

  it('keeps only images both runs evaluated', () => {
    const partial = predictions([1, 3, 9], [6, 4, 1], [6, 4, 1]);
    expect(alignPredictions(A, partial).map((i) => i.testIndex)).toEqual([1, 3]);
  });

  it('splits mistakes into both wrong, fixed by B and broken by B', () => {
    const f = { actual: null, predicted: null };
    expect(selectItems(items, { ...f, tab: 'both' }).map((i) => i.testIndex)).toEqual([0]);
    expect(selectItems(items, { ...f, tab: 'fixed' }).map((i) => i.testIndex).sort()).toEqual([1, 3, 5]);
    expect(selectItems(items, { ...f, tab: 'broken' }).map((i) => i.testIndex)).toEqual([2]);
    expect(tabCounts(items, f, TWO_RUN_TABS)).toEqual({ both: 1, fixed: 3, broken: 1, a: 4, b: 2 });
  });

  it('filters to a confusion cell and puts the most confident mistake first', () => {
    const one = alignPredictions(A);
    expect(selectItems(one, { tab: 'a', actual: 6, predicted: 4 }).map((i) => i.testIndex)).toEqual([0, 5]);
    expect(selectItems(one, { tab: 'a', actual: 6, predicted: 0 }).map((i) => i.testIndex)).toEqual([1]);
  });

  it('under a predicted-class filter, every tab shows only tiles whose relevant prediction is that class', () => {
    // True Shirt (6) for all; predictions (A, B): 20 Coat/Coat, 21 Coat/Pullover, 22 Coat/Shirt, 23 Shirt/Coat, 24 Pullover/Coat.
    const idx = [20, 21, 22, 23, 24];
    const a = predictions(idx, [6, 6, 6, 6, 6], [4, 4, 4, 6, 2]);
    const b = predictions(idx, [6, 6, 6, 6, 6], [4, 2, 6, 4, 4]);
    const two = alignPredictions(a, b);
    const at = (tab: 'a' | 'b' | 'both' | 'fixed' | 'broken') => selectItems(two, { tab, actual: 6, predicted: 4 }).map((i) => i.testIndex).sort();
    // The reported bug: "Both wrong" under "predicted Coat" showed 21, where B predicted Pullover.
    expect(at('both')).toEqual([20]);
    expect(at('a')).toEqual([20, 21, 22]);
    expect(at('b')).toEqual([20, 23, 24]);
    expect(at('fixed')).toEqual([22]);
    expect(at('broken')).toEqual([23]);
    for (const tab of TWO_RUN_TABS) {
      for (const it of selectItems(two, { tab, actual: 6, predicted: 4 })) {
        if (tab === 'a' || tab === 'fixed' || tab === 'both') expect(it.predA).toBe(4);
        if (tab === 'b' || tab === 'broken' || tab === 'both') expect(it.predB).toBe(4);
      }
    }
    const name = (c: number) => ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt'][c];
    expect(describeSelection({ tab: 'both', actual: 6, predicted: 4 }, true, name)).toBe('Shirt images where A and B both predicted Coat');
    expect(describeSelection({ tab: 'broken', actual: 6, predicted: 4 }, true, name)).toBe('Shirt images where A is right and B predicted Coat');
    expect(describeSelection({ tab: 'a', actual: null, predicted: null }, false, name)).toBe('test images where A is wrong');
  });

  it('lists the correct images for a diagonal cell', () => {
    expect(selectItems(alignPredictions(A), { tab: 'a', actual: 0, predicted: 0 }).map((i) => i.testIndex)).toEqual([4]);
  });

  it('returns the top-k classes by probability', () => {
    expect(topK([0.1, 0.5, 0.05, 0.35], 3)).toEqual([{ cls: 1, p: 0.5 }, { cls: 3, p: 0.35 }, { cls: 0, p: 0.1 }]);
  });
});
