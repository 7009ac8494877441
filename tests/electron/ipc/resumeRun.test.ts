// The resumeRun request through the binding layer: payloads are checked against the contract before the engine sees them.
import { describe, expect, it } from 'vitest';
import { callRequest, parseRequest, RequestError } from '../../../electron/ipc/contract.js';
import type { WorkbenchHandlers } from '../../../shared/api.js';

describe('resumeRun request', () => {
  it('accepts a run id with an optional whole number of total epochs', () => {
    expect(parseRequest('resumeRun', { runId: 'r-1', epochs: 3 })).toEqual({ runId: 'r-1', epochs: 3 });
    expect(parseRequest('resumeRun', { runId: 'r-1' })).toEqual({ runId: 'r-1' });
  });

  it('names the bad field and never calls the engine', async () => {
    let called = false;
    const handlers = { resumeRun: async () => { called = true; return { runId: 'r-1', epochs: 2 }; } } as unknown as WorkbenchHandlers;
    for (const [payload, field, text] of [
      [{ runId: 'r-1', epochs: 2.5 }, 'epochs', /whole number/],
      [{ runId: 'r-1', epochs: 0 }, 'epochs', /epochs/],
      [{ runId: 'r-1', epochs: 5000 }, 'epochs', /at most 1000 epochs/],
      [{ runId: '../etc', epochs: 2 }, 'runId', /run id may hold only/],
    ] as const) {
      const err = await callRequest(handlers, 'resumeRun', payload).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RequestError);
      expect((err as RequestError).field).toBe(field);
      expect((err as RequestError).message).toMatch(text);
    }
    expect(called).toBe(false);
  });
});
