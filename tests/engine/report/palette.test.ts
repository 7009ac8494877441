// The report's colours are the screen's (shared/charts/theme.ts), and its data section speaks only of the runs it holds.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { groupArms } from '../../../electron/engine/report/analysis.js';
import { COLORS } from '../../../electron/engine/report/document.js';
import { describeInputs } from '../../../electron/engine/report/sections/data.js';
import { LIGHT_THEME, STATUS_COLORS, runColor, runColorIndex } from '../../../shared/charts/theme.js';
import { runDetail } from './fixtures.js';

describe('one palette for screen and paper', () => {
  it('the report\'s accent and better/worse colours are the renderer\'s CSS variables, read from its stylesheet', () => {
    const css = readFileSync('renderer/src/styles/main.css', 'utf8');
    const light = css.slice(0, css.indexOf('[data-theme')); // the :root block comes first; dark overrides follow
    const cssVar = (name: string) => new RegExp(`--${name}:\\s*(#[0-9a-fA-F]{6})`).exec(light)?.[1]?.toLowerCase();
    expect(cssVar('accent')).toBe(STATUS_COLORS.light.accent);
    expect(cssVar('ok')).toBe(STATUS_COLORS.light.ok);
    expect(cssVar('bad')).toBe(STATUS_COLORS.light.bad);
    expect([COLORS.accent, COLORS.good, COLORS.bad, COLORS.text]).toEqual([STATUS_COLORS.light.accent, STATUS_COLORS.light.ok, STATUS_COLORS.light.bad, LIGHT_THEME.text]);
  });

  it('a run keeps its on-screen colour (creation order among all stored runs) in the report', () => {
    const stored = [
      { id: 'old', createdAt: '2026-11-01T00:00:00Z' },
      { id: 'b', createdAt: '2026-11-03T00:00:00Z' },
      { id: 'a', createdAt: '2026-11-02T00:00:00Z' },
    ];
    const index = runColorIndex(stored);
    expect([...index]).toEqual([['old', 0], ['a', 1], ['b', 2]]);
    const arms = groupArms([runDetail({ id: 'b' }), runDetail({ id: 'a' })], [null, null], index);
    expect(arms.map((x) => x.color)).toEqual([runColor(2), runColor(1)]);
    // Without the store's order (or with a clash) the report falls back to position, as the Compare view does.
    expect(groupArms([runDetail({ id: 'b' }), runDetail({ id: 'a' })], [null, null]).map((x) => x.color)).toEqual([runColor(0), runColor(1)]);
    const clash = new Map([['a', 0], ['b', LIGHT_THEME.palette.length]]);
    expect(groupArms([runDetail({ id: 'a' }), runDetail({ id: 'b' })], [null, null], clash).map((x) => x.color)).toEqual([runColor(0), runColor(1)]);
  });
});

describe('describeInputs', () => {
  const cnn = [28, 28, 1];
  it('names no ANN when only CNNs are in the report', () => {
    const s = describeInputs([{ name: 'cnn-a', inputShape: cnn }, { name: 'cnn-b', inputShape: cnn }]);
    expect(s).toBe('Pixels are scaled to [0, 1]; every model here sees them as a 28×28×1 image.');
    expect(s).not.toMatch(/ANN|784/);
  });
  it('one run: that model only', () => {
    expect(describeInputs([{ name: 'seed-ann', inputShape: [784] }])).toBe('Pixels are scaled to [0, 1]; the model (seed-ann) sees them as a 784-vector.');
  });
  it('mixed inputs: each kind with the runs that use it', () => {
    expect(describeInputs([{ name: 'seed-ann', inputShape: [784] }, { name: 'seed-cnn', inputShape: cnn }, { name: 'mlp', inputShape: [784] }]))
      .toBe('Pixels are scaled to [0, 1]; seed-ann and mlp see them as a 784-vector, seed-cnn as a 28×28×1 image.');
  });
  it('no recorded model: no claim about inputs', () => {
    expect(describeInputs([{ name: 'x', inputShape: undefined }])).toBe('Pixels are scaled to [0, 1].');
  });
});
