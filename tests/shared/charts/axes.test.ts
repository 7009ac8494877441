import { describe, expect, it } from 'vitest';
import { deltaAxis, estimateTextWidth, gutterReferenceData, unitAxis } from '../../../shared/charts/axes.js';

/** Every tick from min to max, as ECharts draws them with a fixed interval. */
const ticks = (a: { min: number; max: number; interval: number }) =>
  Array.from({ length: Math.round((a.max - a.min) / a.interval) + 1 }, (_, k) => Number((a.min + k * a.interval).toFixed(6)));

describe('unitAxis', () => {
  it('starts at a round value below the data and steps evenly to 1 in at most six intervals', () => {
    expect(unitAxis([0.81, 0.92])).toEqual({ min: 0.8, max: 1, interval: 0.05 });
    expect(unitAxis([0.97, 0.99])).toEqual({ min: 0.96, max: 1, interval: 0.01 });
    expect(unitAxis([0.1, 0.5])).toEqual({ min: 0, max: 1, interval: 0.2 });
    expect(unitAxis([0.04])).toEqual({ min: 0, max: 1, interval: 0.2 });
  });

  it('never ends on a tick just below 1 (the 0.03 step from 0.81 printed "0.99" over "1")', () => {
    for (let lo = 0; lo <= 0.995; lo += 0.0037) {
      const axis = unitAxis([lo]);
      const t = ticks(axis);
      expect(t[t.length - 1], `from ${lo}`).toBe(1);
      expect(t.length - 1, `from ${lo}`).toBeLessThanOrEqual(6);
      expect(axis.min, `from ${lo}`).toBeLessThanOrEqual(lo);
      expect(Number.isInteger(Number((axis.min / axis.interval).toFixed(6))), `from ${lo}`).toBe(true);
    }
  });

  it('keeps the asked share of the axis free below the lowest value', () => {
    const axis = unitAxis([0.823], 0.02, 0.15);
    expect((0.823 - axis.min) / (1 - axis.min)).toBeGreaterThanOrEqual(0.15);
    expect(axis).toEqual({ min: 0.75, max: 1, interval: 0.05 });
  });

  it('ignores values that are not finite', () => {
    expect(unitAxis([Number.NaN, 0.93])).toEqual(unitAxis([0.93]));
  });
});

describe('deltaAxis', () => {
  it('includes 0 and leaves room beyond the longest bar on each side that has one', () => {
    const axis = deltaAxis([-0.0086, 0.0469, 0.0145]);
    expect(axis).toEqual({ min: -0.02, max: 0.06, interval: 0.02 });
    expect(deltaAxis([0.01, 0.03])).toMatchObject({ min: 0 });
    expect(deltaAxis([-0.01, -0.03])).toMatchObject({ max: 0 });
  });

  it('keeps the label room whatever the data, in at most six round steps', () => {
    for (const values of [[-0.0009, 0.0002], [-0.3, 0.25], [0.5], [-0.047, 0.039, -0.042], [0, 0]]) {
      const a = deltaAxis(values);
      const span = a.max - a.min;
      const lo = Math.min(0, ...values);
      const hi = Math.max(0, ...values);
      if (lo < 0) expect((lo - a.min) / span, String(values)).toBeGreaterThanOrEqual(0.1);
      if (hi > 0) expect((a.max - hi) / span, String(values)).toBeGreaterThanOrEqual(0.1);
      expect(ticks(a).length - 1).toBeLessThanOrEqual(6);
      expect(ticks(a)).toContain(0);
    }
  });
});

describe('gutterReferenceData', () => {
  const text = (r: { label: string }) => r.label;
  it('labels each line at its right end, centred when the lines are far apart', () => {
    const data = gutterReferenceData([{ value: 0.835, label: 'human' }, { value: 0.916, label: 'cnn' }], text, 0.02);
    expect(data).toEqual([
      { yAxis: 0.916, name: 'cnn', label: { position: 'end', verticalAlign: 'middle' } },
      { yAxis: 0.835, name: 'human', label: { position: 'end', verticalAlign: 'middle' } },
    ]);
  });

  it('puts the labels of close lines above and below in turn', () => {
    const data = gutterReferenceData([{ value: 0.8833, label: 'mlp' }, { value: 0.8837, label: 'ann' }, { value: 0.886, label: 'x' }, { value: 0.95, label: 'far' }], text, 0.02);
    expect(data.map((d) => [d.name, d.label.verticalAlign])).toEqual([['far', 'middle'], ['x', 'bottom'], ['ann', 'top'], ['mlp', 'bottom']]);
  });
});

describe('estimateTextWidth', () => {
  it('grows with the text and the font size', () => {
    expect(estimateTextWidth('MLP 256-128-100 88.33%', 11)).toBeGreaterThan(estimateTextWidth('Human 83.50%', 11));
    expect(estimateTextWidth('Human 83.50%', 22)).toBeGreaterThanOrEqual(2 * estimateTextWidth('Human 83.50%', 11) - 1);
  });
});
