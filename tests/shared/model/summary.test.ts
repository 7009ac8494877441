// The Keras-like summary text: rows, totals with Keras's memory sizes, and issues after a partial table.
import { describe, expect, it } from 'vitest';
import { formatSummary, inferShapes } from '../../../shared/model/inferShapes.js';
import { memoryText } from '../../../shared/model/summary.js';

const OUT = { type: 'Dense', units: 10, activation: 'softmax' } as const;

describe('formatSummary', () => {
  it('prints the seed ANN like Keras did in the seed report', () => {
    const text = formatSummary(inferShapes({
      name: 'ann', inputShape: [784], layers: [{ type: 'Dense', units: 256 }, { type: 'Dense', units: 128 }, OUT],
    }), 'sequential');
    const lines = text.split('\n');
    expect(lines[0]).toBe('Model: "sequential"');
    expect(lines).toContainEqual(expect.stringMatching(/^ Layer \(type\) +Output Shape +Param #$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ dense \(Dense\) +\(None, 256\) +200,960$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ dense_2 \(Dense\) +\(None, 10\) +1,290$/));
    // the seed report's own totals lines
    expect(text).toContain('Total params: 235,146 (918.54 KB)');
    expect(text).toContain('Trainable params: 235,146 (918.54 KB)');
    expect(text).toContain('Non-trainable params: 0 (0.00 B)');
    expect(text).not.toContain('invalid');
  });

  it('right-aligns the Param # column', () => {
    const text = formatSummary(inferShapes({ name: 'a', inputShape: [784], layers: [{ type: 'Dense', units: 256 }, OUT] }));
    const ends = text.split('\n').filter((l) => /\(Dense\)/.test(l)).map((l) => l.length);
    expect(new Set(ends).size).toBe(1);
  });

  it('Keras memory units: 225,034 params are 879.04 KB', () => {
    expect(memoryText(225_034)).toBe('879.04 KB');
    expect(memoryText(0)).toBe('0.00 B');
    expect(memoryText(300_000)).toBe('1.14 MB');
  });

  it('lists the issues under a partial table', () => {
    const text = formatSummary(inferShapes({ name: 'a', inputShape: [28, 28, 1], layers: [{ type: 'Dense', units: 0 }, OUT] }));
    expect(text).toMatch(/The spec is invalid \(\d+ problems?\)/);
    expect(text).toContain('  - layer 1 (Dense): units must be a positive integer; got 0');
  });
});
