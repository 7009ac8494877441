import { describe, expect, it } from 'vitest';
import { epochDetail, epochProgress, epochText, ordinal, queuePlace, queueText } from '../../../renderer/src/stores/runProgress.js';

describe('epochProgress', () => {
  it('counts completed epochs and labels the one in progress apart (the issue: table 2/10, panel 3/10)', () => {
    // Two epochs logged, batches of the third (0-based 2) arriving.
    const p = epochProgress(2, 10, 'running', 2);
    expect(epochText(p)).toBe('2 / 10');
    expect(epochDetail(p)).toBe('epoch 3 in progress');
  });
  it('names the next epoch as running before its first batch arrives', () => {
    expect(epochProgress(2, 10, 'running', 1).inProgress).toBe(3);
    expect(epochProgress(0, 10, 'running', null).inProgress).toBe(1);
  });
  it('shows no epoch in progress for queued, finished or stopped runs', () => {
    expect(epochDetail(epochProgress(0, 10, 'queued'))).toBe('');
    expect(epochDetail(epochProgress(10, 10, 'finished', 9))).toBe('');
    expect(epochDetail(epochProgress(4, 10, 'cancelled', 4))).toBe('');
    // All epochs done but the run still evaluating: nothing more is training.
    expect(epochProgress(10, 10, 'running', 9).inProgress).toBeNull();
  });
  it('never shows more epochs done than planned and copes with an unknown total', () => {
    expect(epochText(epochProgress(12, 10, 'finished'))).toBe('10 / 10');
    expect(epochText(epochProgress(3, null, 'running', 3))).toBe('3 / —');
    expect(epochProgress(3, null, 'running', 3).inProgress).toBe(4);
  });
});

describe('queuePlace', () => {
  const row = (id: string, status: string, createdAt: string) => ({ id, status: status as 'queued', createdAt });
  it('a lone queued run is next to start, not "position 2"', () => {
    const q = queuePlace([row('a', 'queued', '2025-01-01T00:00:00Z')], 'a')!;
    expect(q).toEqual({ place: 1, waiting: 1, running: 0 });
    expect(queueText(q)).toBe('next to start');
  });
  it('orders waiting runs by creation and counts running ones apart', () => {
    const list = [
      row('r1', 'running', '2025-01-01T00:00:00Z'), row('r2', 'running', '2025-01-01T00:00:01Z'),
      row('q2', 'queued', '2025-01-01T00:00:03Z'), row('q1', 'queued', '2025-01-01T00:00:02Z'), row('f', 'finished', '2024-01-01T00:00:00Z'),
    ];
    expect(queueText(queuePlace(list, 'q1')!)).toBe('next to start · 2 running');
    expect(queueText(queuePlace(list, 'q2')!)).toBe('2nd in line · 2 running');
    expect(queuePlace(list, 'r1')).toBeNull();
  });
  it('writes English ordinals', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 103, 111].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '103rd', '111th']);
  });
});
