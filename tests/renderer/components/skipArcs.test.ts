// Which graph edges the Models view draws as arcs, and how nested arcs are kept apart.
import { describe, expect, it } from 'vitest';
import { arcLayout } from '../../../renderer/src/components/skipArcs.js';

describe('arcLayout', () => {
  it('a chain is lines only; a skip is an arc; an arc around another bulges further', () => {
    expect(arcLayout([[-1], [0], [1]]).every((e) => e.chain)).toBe(true);
    // 0 → 1 → 2 = Add(0, 1); 3 takes -1 (input) and 2; 4 = Add(3, 0).
    const edges = arcLayout([[-1], [0], [0, 1], [-1, 2], [3, 0]]);
    const arcs = edges.filter((e) => !e.chain).map((e) => [e.from, e.to, e.depth]);
    expect(arcs).toEqual(expect.arrayContaining([[0, 2, 14], [-1, 3, 24], [0, 4, 34]]));
    expect(arcs).toHaveLength(3);
  });
});
