import { describe, expect, it } from 'vitest';
import { makeSplit } from '../../../electron/engine/data/split.js';
import { DataError } from '../../../electron/engine/data/errors.js';
import { DataConfigSchema, DEFAULT_DATA_CONFIG, type DataConfig } from '../../../shared/hyper.js';

const cfg = (input: unknown): DataConfig => DataConfigSchema.parse(input);
const sizes = (s: ReturnType<typeof makeSplit>) => [s.train.length, s.validation.length, s.test.length];

describe('makeSplit', () => {
  it('defaults to the seed split: last 10000 of train are validation (50000/10000/10000)', () => {
    const s = makeSplit(DEFAULT_DATA_CONFIG, 60000, 10000);
    expect(sizes(s)).toEqual([50000, 10000, 10000]);
    expect([s.train[0], s.train[49999]]).toEqual([0, 49999]);
    expect([s.validation[0], s.validation[9999]]).toEqual([50000, 59999]);
    expect([s.test[0], s.test[9999]]).toEqual([0, 9999]);
  });

  it('tail with another validation size', () => {
    const s = makeSplit(cfg({ split: { type: 'tail', validationSize: 5000 } }), 60000, 10000);
    expect(sizes(s)).toEqual([55000, 5000, 10000]);
    expect(s.validation[0]).toBe(55000);
  });

  it('fraction: a seeded shuffle into disjoint parts covering the file', () => {
    const c = cfg({ split: { type: 'fraction', validationFraction: 0.2, shuffleSeed: 3 } });
    const s = makeSplit(c, 60000, 10000);
    expect(sizes(s)).toEqual([48000, 12000, 10000]);
    const seen = new Uint8Array(60000);
    for (const i of s.train) seen[i]++;
    for (const i of s.validation) seen[i]++;
    expect(seen.every((v) => v === 1)).toBe(true);
    // not the tail split in disguise
    expect(Math.min(...s.validation)).toBeLessThan(1000);
    expect(Array.from(makeSplit(c, 60000, 10000).validation)).toEqual(Array.from(s.validation));
    const other = makeSplit(cfg({ split: { type: 'fraction', validationFraction: 0.2, shuffleSeed: 4 } }), 60000, 10000);
    expect(Array.from(other.validation)).not.toEqual(Array.from(s.validation));
  });

  it('limit trains on that many samples and scales validation and test in proportion', () => {
    const s = makeSplit(cfg({ limit: 5000 }), 60000, 10000);
    expect(sizes(s)).toEqual([5000, 1000, 1000]);
    expect(Array.from(s.train.subarray(0, 3))).toEqual([0, 1, 2]);
    expect(s.validation[0]).toBe(50000);
    const odd = makeSplit(cfg({ limit: 1234 }), 60000, 10000);
    expect(sizes(odd)).toEqual([1234, Math.round(10000 * 1234 / 50000), Math.round(10000 * 1234 / 50000)]);
  });

  it('limit with fullTest keeps the whole test set', () => {
    expect(sizes(makeSplit(cfg({ limit: 5000, fullTest: true }), 60000, 10000))).toEqual([5000, 1000, 10000]);
  });

  it('limit with a fraction split takes the first of the shuffled train part', () => {
    const c = cfg({ split: { type: 'fraction', validationFraction: 0.1, shuffleSeed: 1 }, limit: 900 });
    const full = makeSplit({ ...c, limit: null }, 60000, 10000);
    const s = makeSplit(c, 60000, 10000);
    expect(Array.from(s.train)).toEqual(Array.from(full.train.subarray(0, 900)));
    expect(sizes(s)).toEqual([900, 100, 167]);
  });

  it('scaled parts keep at least one sample', () => {
    const s = makeSplit(cfg({ split: { type: 'tail', validationSize: 10 }, limit: 10 }), 1000, 20);
    expect(sizes(s)).toEqual([10, 1, 1]);
  });

  it('a limit at or above the train part changes nothing', () => {
    expect(sizes(makeSplit(cfg({ limit: 60000 }), 60000, 10000))).toEqual([50000, 10000, 10000]);
  });

  it('rejects impossible configurations with a DataError', () => {
    expect(() => makeSplit(cfg({ split: { type: 'tail', validationSize: 100 } }), 100, 10)).toThrow(DataError);
    expect(() => makeSplit(cfg({ split: { type: 'tail', validationSize: 100 } }), 100, 10)).toThrow(/validationSize 100 must be between 1 and 99/);
    expect(() => makeSplit(cfg({ split: { type: 'fraction', validationFraction: 0.01 } }), 20, 10)).toThrow(/leaves 0 for validation/);
    expect(() => makeSplit(DEFAULT_DATA_CONFIG, 60000, 0)).toThrow(/test-file count must be an integer ≥ 2/);
    expect(() => makeSplit({ ...DEFAULT_DATA_CONFIG, limit: 0 }, 60000, 10000)).toThrow(/limit must be a positive integer/);
  });
});
