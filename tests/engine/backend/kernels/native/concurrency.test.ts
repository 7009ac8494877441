// Tests the native kernels from two worker threads at once: the shared thread pool serves one, the other runs alone, both stay correct.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { nativeMissing } from './setup.js';

function runWorker(seed: number): Promise<{ reason: string; worst: number }> {
  const worker = new Worker(new URL('../../fixtures/tsx-bootstrap.mjs', import.meta.url), {
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

describe.skipIf(nativeMissing != null)(`native kernels in concurrent workers${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it('two workers training-sized kernels at once both equal cpu', async () => {
    const [a, b] = await Promise.all([runWorker(11), runWorker(23)]);
    for (const r of [a, b]) {
      expect(r.reason).toContain('native kernels (');
      expect(r.worst).toBeLessThan(1e-4);
    }
  });
});
