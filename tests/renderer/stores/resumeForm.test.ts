import { describe, expect, it } from 'vitest';
import { RESUMABLE, resumeProblem } from '../../../renderer/src/stores/resumeForm.js';

describe('resume form', () => {
  it('accepts a whole total above the epochs done, at most 1000', () => {
    expect(resumeProblem(2, 1)).toBeNull();
    expect(resumeProblem('5', 3)).toBeNull();
    expect(resumeProblem(1, 1)).toBe('the run has 1 epoch: give a total above 1');
    expect(resumeProblem('2.5', 1)).toBe('total epochs must be a whole number');
    expect(resumeProblem('', 1)).toBe('total epochs must be a whole number');
    expect(resumeProblem(1001, 1)).toBe('at most 1000 epochs');
  });
  it('offers resume only for runs that are over', () => {
    expect([...RESUMABLE].sort()).toEqual(['cancelled', 'failed', 'finished', 'interrupted']);
  });
});
