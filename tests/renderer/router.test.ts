import { describe, expect, it } from 'vitest';
import { formatHash, parseHash } from '../../renderer/src/router.js';

describe('hash router', () => {
  it('round-trips a view and its query', () => {
    const h = formatHash('inspect', { a: 'run-1', actual: 6, predicted: 0, b: null });
    expect(h).toBe('#/inspect?a=run-1&actual=6&predicted=0');
    expect(parseHash(h)).toEqual({ view: 'inspect', query: { a: 'run-1', actual: '6', predicted: '0' } });
  });
  it('falls back to the data view for unknown paths', () => {
    expect(parseHash('#/nowhere').view).toBe('data');
    expect(parseHash('').view).toBe('data');
  });
});
