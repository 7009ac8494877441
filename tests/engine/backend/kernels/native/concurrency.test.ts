// Tests the native kernels from two worker threads at once (two training runs in one process): every result, with
// shapes differing between the threads, is bit-identical to the same call made alone; and through tfjs they equal cpu.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { nativeMissing } from './setup.js';

const bootstrap = new URL('../../fixtures/tsx-bootstrap.mjs', import.meta.url);

function runWorker(seed: number): Promise<{ reason: string; worst: number }> {
  const worker = new Worker(bootstrap, {
    workerData: { entry: new URL('../../fixtures/native-worker.ts', import.meta.url).href, seed, rounds: 20 },
  });
  return new Promise((resolve, reject) => {
    worker.once('message', (m) => {
      void worker.terminate();
      resolve(m);
    });
    worker.once('error', reject);
  });
}

interface StressResult { wrong: Record<string, number>; calls: Record<string, number>; ms: number }

/** A stress worker and a way to await its next message. */
function stressWorker(set: 'a' | 'b', seed: number, rounds: number) {
  const worker = new Worker(bootstrap, {
    workerData: { entry: new URL('../../fixtures/native-stress-worker.ts', import.meta.url).href, set, seed, rounds, threads: 2 },
  });
  const next = <T>() => new Promise<T>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { worker, next, loaded: next<{ loaded: true }>() };
}

describe.skipIf(nativeMissing != null)(`native kernels in concurrent workers${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it('two threads with different shapes: thousands of column sums, hundreds of filter gradients, all bit-identical to alone', async () => {
    const rounds = 2400;
    const a = stressWorker('a', 3, rounds);
    const b = stressWorker('b', 7, rounds);
    try {
      await Promise.all([a.loaded, b.loaded]);
      // References one worker at a time, so each is what the call gives with no other thread in the addon.
      for (const w of [a, b]) {
        const ready = w.next();
        w.worker.postMessage('reference');
        await ready;
      }
      const results = [a.next<StressResult>(), b.next<StressResult>()];
      a.worker.postMessage('go');
      b.worker.postMessage('go');
      const [ra, rb] = await Promise.all(results);
      const calls = (r: StressResult, kind: string) => Object.entries(r.calls).filter(([k]) => k.startsWith(kind)).reduce((n, [, v]) => n + v, 0);
      for (const r of [ra, rb]) {
        expect(calls(r, 'sum')).toBeGreaterThanOrEqual(3 * rounds);
        expect(calls(r, 'filter grad')).toBeGreaterThanOrEqual(rounds / 4);
        expect(calls(r, 'bn train')).toBeGreaterThanOrEqual(rounds);
        expect(calls(r, 'bn grad')).toBeGreaterThanOrEqual(rounds);
        expect(calls(r, 'mean')).toBeGreaterThanOrEqual(rounds / 2);
        expect(calls(r, 'dw filter grad')).toBeGreaterThanOrEqual(rounds / 2);
        expect(calls(r, 'dw forward')).toBeGreaterThanOrEqual(rounds / 8);
      }
      const wrong = { ...Object.fromEntries(Object.entries(ra.wrong).map(([k, v]) => [`a: ${k}`, v])), ...Object.fromEntries(Object.entries(rb.wrong).map(([k, v]) => [`b: ${k}`, v])) };
      expect(wrong, `calls whose result differed from the same call alone (${Math.round(ra.ms)} ms / ${Math.round(rb.ms)} ms of rounds)`).toEqual({});
    } finally {
      await Promise.all([a.worker.terminate(), b.worker.terminate()]);
    }
  }, 60_000);

  it('two workers training-sized kernels at once through tfjs both equal cpu', async () => {
    const [a, b] = await Promise.all([runWorker(11), runWorker(23)]);
    for (const r of [a, b]) {
      expect(r.reason).toContain('native kernels (');
      expect(r.worst).toBeLessThan(1e-4);
    }
  });
});
