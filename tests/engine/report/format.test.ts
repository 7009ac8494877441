// Number formatting of the report: the strings a reader (and the PDF tests) rely on.
import { describe, it, expect } from 'vitest';
import { formatAccuracy, formatDuration, formatP, formatPercent, formatPoints, formatRate, formatSigned } from '../../../electron/engine/report/format.js';
import { reportFileName } from '../../../electron/engine/report/generate.js';

describe('report number formats', () => {
  it('prints accuracies with four decimals, exact for k/10000', () => {
    expect(formatAccuracy(8837 / 10000)).toBe('0.8837');
    expect(formatAccuracy(0.9)).toBe('0.9000');
    expect(formatPercent(0.8837)).toBe('88.37\u00a0%');
  });

  it('signs differences with a true minus and keeps zero unsigned', () => {
    expect(formatPoints(0.0224)).toBe('+2.24\u00a0pp');
    expect(formatPoints(-0.0224)).toBe('−2.24\u00a0pp');
    expect(formatPoints(0.00001)).toBe('±0.00\u00a0pp');
    expect(formatSigned(-0.004)).toBe('−0.0040');
    expect(formatSigned(0.00001)).toBe('0.0000');
  });

  it('writes p-values plainly down to 1e-4, then in scientific notation with superscripts', () => {
    expect(formatP(0.0004)).toBe('0.0004');
    expect(formatP(0.5)).toBe('0.5000');
    expect(formatP(1)).toBe('1.0000');
    expect(formatP(2.3e-10)).toBe('2.3\u00a0×\u00a010⁻¹⁰');
    // 9.96e-6 rounds to 10.0 × 10⁻⁶, which must read 1.0 × 10⁻⁵.
    expect(formatP(9.96e-6)).toBe('1.0\u00a0×\u00a010⁻⁵');
    expect(formatP(0)).toBe('< 10⁻³⁰⁰');
  });

  it('formats durations and learning rates for tables', () => {
    expect(formatDuration(4.031)).toBe('4.03 s');
    expect(formatDuration(41.74)).toBe('41.7 s');
    expect(formatDuration(125)).toBe('2 min 05 s');
    expect(formatDuration(3725)).toBe('1 h 02 min');
    expect(formatRate(0.001)).toBe('1e-3');
    expect(formatRate(0.05)).toBe('0.05');
    expect(formatRate(2.5e-4)).toBe('2.5e-4');
  });

  it('names the file from the title and the date', () => {
    const d = new Date('2026-11-25T12:00:00Z');
    expect(reportFileName('Seed ANN vs seed CNN', d)).toBe('seed-ann-vs-seed-cnn-2026-11-25.pdf');
    expect(reportFileName('  Ünïcode / slashes: ok?  ', d)).toBe('unicode-slashes-ok-2026-11-25.pdf');
    expect(reportFileName('!!!', d)).toBe('report-2026-11-25.pdf');
  });
});
