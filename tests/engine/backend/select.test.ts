// Tests backend selection: order and reasons, explicit choices, idempotence, use inside a worker thread.
import * as tf from '@tensorflow/tfjs';
import { requireInCi } from '../../helpers/ciRequire.js';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { BACKEND_NAMES, BackendInfoSchema, type BackendName } from '../../../shared/run.js';
import { availableBackends, BackendError, selectBackend } from '../../../electron/engine/backend/select.js';
import { loadNative } from '../../../electron/engine/backend/native/addon.js';

const require = createRequire(import.meta.url);
const installed = (m: string) => { try { require.resolve(m); return true; } catch { return false; } };
const gpuInstalled = installed('@tensorflow/tfjs-node-gpu');

describe('selectBackend', () => {
  it('auto takes the first backend that works and says why each better one was skipped', async () => {
    const info = BackendInfoSchema.parse(await selectBackend('auto'));
    const better = BACKEND_NAMES.slice(0, BACKEND_NAMES.indexOf(info.name));
    expect(info.skipped.map((s) => s.name)).toEqual(better);
    for (const s of info.skipped) expect(s.reason.length).toBeGreaterThan(10);
    if (!gpuInstalled) expect(info.skipped[0]).toEqual({ name: 'tensorflow-gpu', reason: 'module @tensorflow/tfjs-node-gpu not installed' });
    expect(info.reason).toContain(info.name);
    expect(tf.getBackend()).toBe(info.name === 'tensorflow-gpu' ? 'tensorflow' : info.name);
  });

  it('wasm records the kernels we add, cpu none', async () => {
    const wasm = await selectBackend('wasm');
    expect(wasm.name).toBe('wasm');
    expect(wasm.addedKernels).toContain('Conv2DBackpropFilter');
    expect(wasm.reason).toContain('Conv2DBackpropFilter');
    expect(wasm.skipped).toEqual([]);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    const cpu = await selectBackend('cpu');
    expect(cpu).toMatchObject({ name: 'cpu', addedKernels: [] });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('is idempotent: the same choice twice gives the same answer and backend', async () => {
    const a = await selectBackend('wasm');
    const b = await selectBackend('wasm');
    expect(b).toEqual(a);
    expect(tf.getBackend()).toBe('wasm');
    const [c, d] = await Promise.all([selectBackend('cpu'), selectBackend('cpu')]);
    expect(c).toEqual(d);
  });

  it.skipIf(!requireInCi(loadNative().ok, 'the native addon (npm run build:native; .ci/run installs gcc)'))('switches the native kernels on and off, restoring the shipped ones (skipped when the addon is not built)', async () => {
    await selectBackend('wasm', { native: false });
    const shippedConv = tf.getKernel('Conv2D', 'wasm');
    const on = await selectBackend('wasm', { native: true, threads: 2 });
    expect(on.addedKernels).toEqual(expect.arrayContaining(['Conv2D', 'Conv2DBackpropInput', 'BatchMatMul', 'MaxPool']));
    expect(on.threads).toBe(2);
    expect(tf.getKernel('Conv2D', 'wasm')).not.toBe(shippedConv);
    const off = await selectBackend('wasm', { native: false });
    expect(off.addedKernels).toContain('Conv2DBackpropFilter');
    expect(off.addedKernels).not.toContain('Conv2D');
    expect(off.reason).toContain('native kernels off');
    expect(tf.getKernel('Conv2D', 'wasm')).toBe(shippedConv);
  });

  it.skipIf(gpuInstalled)('an unavailable explicit choice throws, saying why and what is available (tfjs-node-gpu absent here)', async () => {
    const err = await selectBackend('tensorflow-gpu').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toMatch(/not installed/);
    expect((err as Error).message).toMatch(/Available here: .*wasm, cpu/);
  });

  it('rejects an unknown name', async () => {
    await expect(selectBackend('metal' as BackendName)).rejects.toThrow(/unknown backend "metal"/);
  });

  it('lists available backends best first, always ending with cpu', async () => {
    const list = await availableBackends();
    expect(list.at(-1)).toBe('cpu');
    expect(list).toContain('wasm');
    expect([...list].sort((a, b) => BACKEND_NAMES.indexOf(a) - BACKEND_NAMES.indexOf(b))).toEqual(list);
  });

  it('works inside a worker thread and trains a CNN step there', async () => {
    const worker = new Worker(new URL('./fixtures/tsx-bootstrap.mjs', import.meta.url), {
      workerData: { choice: 'auto', entry: new URL('./fixtures/select-worker.ts', import.meta.url).href },
    });
    const msg = await new Promise<{ info: unknown; again: unknown; backend: string; loss: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    const info = BackendInfoSchema.parse(msg.info);
    expect(msg.again).toEqual(msg.info);
    expect(msg.backend).toBe(info.name === 'tensorflow-gpu' ? 'tensorflow' : info.name);
    expect(Number.isFinite(msg.loss)).toBe(true);
  });
});
