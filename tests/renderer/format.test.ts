import { describe, expect, it } from 'vitest';
import { duration, pct, pp, shape } from '../../renderer/src/util/format.js';

describe('formatting', () => {
  it('shows short durations with a decimal and long ones in minutes and hours', () => {
    expect(duration(0.296)).toBe('0.3s');
    expect(duration(42)).toBe('42s');
    expect(duration(640)).toBe('10m 40s');
    expect(duration(7260)).toBe('2h 01m');
    expect(duration(null)).toBe('—');
  });
  it('shows accuracies as percentages and differences in percentage points', () => {
    expect(pct(0.8837)).toBe('88.37%');
    expect(pp(0.9061 - 0.8837)).toBe('+2.24 pp');
    expect(pp(-0.01)).toBe('−1.00 pp');
  });
  it('prints shapes as Keras does', () => {
    expect(shape([null, 26, 26, 32])).toBe('(None, 26, 26, 32)');
    expect(shape([784])).toBe('(784,)');
  });
});
