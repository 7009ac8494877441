// Tests training on webgpu (SwiftShader): the loop reads loss and accuracy back at the event throttle only, GPU memory
// (live tensors) stays flat across epochs, and the numbers match the cpu backend's for the same seed.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runTraining, type FinalStage, type TrainJob } from '../../../electron/engine/train/loop.js';
import { RunStore } from '../../../electron/engine/runs/store.js';
import { selectBackend } from '../../../electron/engine/backend/select.js';
import { TrainEventSchema, type EpochSummary, type RunConfig, type TrainEvent } from '../../../shared/run.js';
import { requireInCi } from '../../helpers/ciRequire.js';
import { swiftShaderPresent, useSwiftShaderInProcess } from '../../helpers/swiftshader.js';
import { fixtureDir, removeTempDirs, runConfig, tempDir, tinyCnn } from './helpers.js';

const present = requireInCi(swiftShaderPresent(), 'chromium\'s SwiftShader Vulkan driver (/usr/lib/chromium/vk_swiftshader_icd.json; .ci/run installs chromium)');
if (present) useSwiftShaderInProcess();

let dataDir: string;
beforeAll(async () => {
  dataDir = await fixtureDir(300, 100);
});
afterAll(async () => {
  await selectBackend('cpu');
  await removeTempDirs();
});

async function train(config: RunConfig, intervalMs: number) {
  const root = await tempDir('fmw-gpu-runs-');
  const store = new RunStore(root);
  await store.create(config);
  const events: TrainEvent[] = [];
  const tensors: number[] = [];
  // Every asynchronous readback of results during the epochs (not the final evaluation and model save, and not the
  // epoch-end checkpoint's copy of the weights and optimizer state: variables, and the scalar iteration count).
  let reads = 0;
  let training = true;
  const data = tf.Tensor.prototype.data;
  const spy = vi.spyOn(tf.Tensor.prototype, 'data').mockImplementation(function (this: tf.Tensor) {
    if (training && !(this instanceof tf.Variable) && this.rank > 0) reads++;
    return data.call(this) as never;
  });
  const job: TrainJob = { runId: config.id, config, storeRoot: root, data: { dir: dataDir, kind: 'test-fixture', strict: false }, batchEventIntervalMs: intervalMs };
  try {
    const status = await runTraining(job, {
      emit: async (e) => {
        events.push(TrainEventSchema.parse(e));
      },
      cancelled: () => false,
      onEpochTensors: (_epoch, n) => tensors.push(n),
      onStage: (stage: FinalStage) => {
        if (stage === 'test-evaluation') training = false;
      },
    });
    return { status, events, tensors, reads };
  } finally {
    spy.mockRestore();
  }
}

const epochs = (events: TrainEvent[]): EpochSummary[] => events.flatMap((e) => (e.type === 'epochEnd' ? [e.summary] : []));

describe.skipIf(!present)('training on webgpu (SwiftShader)', () => {
  it('reads loss/accuracy once per event, keeps tensors flat across epochs, and matches cpu', async () => {
    // 200 training samples in 7 batches of 32, 100 validation samples; a throttle no batch reaches: one read per epoch.
    const overrides = { backend: 'webgpu' as const, hyper: { learningRate: 0.01, batchSize: 32, epochs: 2, seed: 5 } };
    const gpu = await train(runConfig('gpu-run', overrides), 60_000);
    const end = gpu.events.find((e) => e.type === 'trainEnd');
    expect(end, JSON.stringify(end)).toMatchObject({ status: 'finished' });
    const begin = gpu.events.find((e) => e.type === 'trainBegin');
    expect(begin?.type === 'trainBegin' && begin.backend.adapter?.software).toBe(true);
    expect(gpu.tensors).toHaveLength(2);
    expect(gpu.tensors[1]).toBe(gpu.tensors[0]);
    // Per epoch: the running sums once (last batch) and the validation predictions once (100 < 1000 per batch).
    expect(gpu.reads).toBe(2 * 2);
    expect(gpu.events.filter((e) => e.type === 'batchEnd')).toHaveLength(2);

    const cpu = await train(runConfig('cpu-run', { ...overrides, backend: 'cpu' }), 60_000);
    const [g, c] = [epochs(gpu.events), epochs(cpu.events)];
    expect(g).toHaveLength(2);
    for (let i = 0; i < 2; i++) {
      expect(Math.abs(g[i].loss - c[i].loss), `epoch ${i + 1} loss ${g[i].loss} vs cpu ${c[i].loss}`).toBeLessThan(1e-4);
      expect(Math.abs(g[i].valLoss - c[i].valLoss)).toBeLessThan(1e-4);
      expect(Math.abs(g[i].accuracy - c[i].accuracy)).toBeLessThanOrEqual(1 / 200);
    }
  });

  it('trains a small CNN (conv, max pooling) to the numbers the cpu backend gives', async () => {
    const overrides = { model: tinyCnn, backend: 'webgpu' as const, hyper: { learningRate: 0.01, batchSize: 50, epochs: 1, seed: 9 } };
    const gpu = await train(runConfig('gpu-cnn', overrides), 250);
    expect(gpu.events.find((e) => e.type === 'trainEnd')).toMatchObject({ status: 'finished' });
    const cpu = await train(runConfig('cpu-cnn', { ...overrides, backend: 'cpu' }), 250);
    const [g] = epochs(gpu.events);
    const [c] = epochs(cpu.events);
    expect(Math.abs(g.loss - c.loss), `loss ${g.loss} vs cpu ${c.loss}`).toBeLessThan(1e-4);
    expect(Math.abs(g.valLoss - c.valLoss)).toBeLessThan(1e-4);
    expect(g.valAccuracy).toBe(c.valAccuracy);
  });
});
