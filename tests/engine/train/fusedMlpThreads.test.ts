// Tests the fused MLP and CNN steps in worker threads sharing the native pool: two runs of different shapes trained at
// the same time give the bits each gives alone, and the fused path is what ran.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { benchEntry } from '../../../bench/model-set.js';
import { getPreset } from '../../../electron/engine/models/presets.js';
import type { ModelSpec } from '../../../shared/spec.js';
import { nativeMissing } from '../backend/kernels/native/setup.js';
import { resBlock, residualSep } from './fixtures/graphCnnModels.js';

const BOOT = new URL('../../../electron/engine/train/worker-dev.mjs', import.meta.url);
const ENTRY = new URL('./fixtures/fusedMlpWorker.ts', import.meta.url).href;

const ann = getPreset('seed-ann').model as ModelSpec;
const cnn = getPreset('seed-cnn').model as ModelSpec;
/** Another CNN the fused CNN step takes: 'same' padding, a conv without a pool, a 3×3 stride-2 pool, a linear Dense. */
const otherCnn = {
  name: 'other-cnn', inputShape: [28, 28, 1],
  layers: [
    { type: 'Conv2D', filters: 6, kernelSize: [3, 3], activation: 'relu', padding: 'same' },
    { type: 'MaxPooling2D', poolSize: [2, 2] },
    { type: 'Conv2D', filters: 12, kernelSize: [3, 3], activation: 'relu' },
    { type: 'MaxPooling2D', poolSize: [3, 3], strides: [2, 2] },
    { type: 'Flatten' }, { type: 'Dense', units: 40, activation: 'linear' }, { type: 'Dense', units: 10, activation: 'softmax' },
  ],
} as unknown as ModelSpec;
const dropoutMlp = {
  name: 'dropout-mlp', inputShape: [28, 28, 1],
  layers: [
    { type: 'Flatten' }, { type: 'Dense', units: 200, activation: 'gelu' }, { type: 'BatchNormalization' }, { type: 'Dropout', rate: 0.3 },
    { type: 'Dense', units: 96, activation: 'relu' }, { type: 'Dense', units: 10, activation: 'softmax' },
  ],
} as unknown as ModelSpec;

interface Done { losses: number[]; weights: string[]; fused: number; spans: Array<[number, number]> }

/**
 * Starts a worker per job; each trains once every worker is ready and starts each step only when every run has reached
 * it (a shared barrier), so side-by-side runs step in lockstep and their kernels run at the same time.
 */
async function trainAll(jobs: Array<{ spec: ModelSpec; batch: number }>, steps: number): Promise<Done[]> {
  const gate = new SharedArrayBuffer(4);
  const workers = jobs.map((j) => new Worker(BOOT, {
    workerData: { tsEntry: ENTRY, spec: j.spec, steps, batch: j.batch, gate, parties: jobs.length },
  }));
  try {
    const next = (w: Worker) => new Promise<Record<string, unknown>>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    await Promise.all(workers.map(next));
    const done = workers.map(next);
    for (const w of workers) w.postMessage('go');
    return (await Promise.all(done)) as unknown as Done[];
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Trains the jobs side by side, then each alone: the fused path ran every step, steps overlapped, and the bits match. */
async function sideBySide(jobs: Array<{ spec: ModelSpec; batch: number }>, steps: number): Promise<void> {
  const [a, b] = await trainAll(jobs, steps);
  const [aAlone] = await trainAll([jobs[0]], steps);
  const [bAlone] = await trainAll([jobs[1]], steps);
  for (const r of [a, b, aAlone, bAlone]) expect(r.fused, 'steps the fused path took').toBe(steps);
  // Steps that ran at the same time in both runs (the barrier makes this nearly all of them; one is enough).
  const together = a.spans.filter(([from, to], i) => Math.max(from, b.spans[i][0]) < Math.min(to, b.spans[i][1])).length;
  expect(together, 'steps the two runs took at the same time').toBeGreaterThan(0);
  expect(a.losses).toEqual(aAlone.losses);
  expect(a.weights).toEqual(aAlone.weights);
  expect(b.losses).toEqual(bAlone.losses);
  expect(b.weights).toEqual(bAlone.weights);
  expect(a.losses.at(-1)).not.toBe(a.losses[0]);
}

describe.skipIf(nativeMissing != null)(`fused MLP step in worker threads${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it('two MLP runs of different shapes side by side equal each run alone', async () => {
    await sideBySide([{ spec: ann, batch: 128 }, { spec: dropoutMlp, batch: 96 }], 40);
  }, 120_000);

  it('two fused CNN runs of different shapes side by side equal each run alone', async () => {
    await sideBySide([{ spec: cnn, batch: 64 }, { spec: otherCnn, batch: 48 }], 12);
  }, 120_000);

  // Batch norm and dropout (strong), relu6 pooling, smooth activations, average and global pooling (k5-gap); a fresh
  // worker's wasm memory grows during its first steps, under the fused step's own allocations.
  it('strong and k5-gap fused side by side equal each run alone', async () => {
    await sideBySide([{ spec: benchEntry('strong').spec, batch: 64 }, { spec: benchEntry('k5-gap').spec, batch: 37 }], 6);
  }, 120_000);

  // The fused graph CNN step (fusedGraphCnn.ts): residual-sep's noise and spatial dropout streams, and a residual block.
  it('residual-sep and a residual graph CNN fused side by side equal each run alone', async () => {
    await sideBySide([{ spec: residualSep, batch: 64 }, { spec: resBlock, batch: 48 }], 6);
  }, 120_000);
});
