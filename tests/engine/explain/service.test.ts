// Explanations through the engine facade: the contract's explainImage and getFeatureMaps answered by the explanation
// worker thread for runs the app trained, with the main thread's event loop free meanwhile.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import path from 'node:path';
import { createWorkbench, type Workbench } from '../../../electron/engine/workbench.js';
import { callRequest } from '../../../electron/ipc/contract.js';
import { requests } from '../../../shared/api.js';
import { TrainRequestSchema } from '../../../shared/run.js';
import { fixtureDir, tinyAnn, tinyCnn, tempDir, removeTempDirs } from '../train/helpers.js';

let wb: Workbench;
let cnn: string;
let ann: string;

beforeAll(async () => {
  const dataDir = await fixtureDir(1200, 200);
  const base = await tempDir('fmw-explain-wb-');
  wb = await createWorkbench({ runsDir: path.join(base, 'runs'), appDataDir: path.join(base, 'app'), dataDir, mode: 'browser', strictData: false, env: {} });
  const req = (model: typeof tinyCnn | typeof tinyAnn) => TrainRequestSchema.parse({
    model, hyper: { learningRate: 0.01, batchSize: 32, epochs: 1, seed: 3 }, data: { split: { type: 'tail', validationSize: 200 } }, backend: 'cpu',
  });
  [cnn] = (await wb.handlers.startRun(req(tinyCnn))).runIds;
  [ann] = (await wb.handlers.startRun(req(tinyAnn))).runIds;
  await wb.manager.idle();
}, 120_000);

afterAll(async () => {
  await wb?.close();
  await removeTempDirs();
});

describe('explainImage and getFeatureMaps through the contract', () => {
  it('answers the top-2 maps and their contrast with a response the schema accepts, off the main thread', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = performance.now();
    const r = await callRequest(wb.handlers, 'explainImage', { runId: cnn, split: 'validation', index: 4, method: 'integrated-gradients', classes: [2, 6], contrast: true });
    clearInterval(timer);
    const ms = performance.now() - started;
    requests.explainImage.response.parse(r);
    expect(r.maps.map((m) => [m.cls, m.versus])).toEqual([[2, null], [6, null], [2, 6]]);
    expect(r.convLayers).toEqual(['conv2d']);
    expect(r.layer).toBeNull();
    // The loop kept ticking while the worker computed (a blocked loop would tick about once).
    expect(ticks).toBeGreaterThan(Math.min(20, ms / 5 / 4));
  }, 120_000);

  it('Grad-CAM: the last conv layer by default; a non-conv layer is refused naming the conv layers', async () => {
    const r = await callRequest(wb.handlers, 'explainImage', { runId: cnn, index: 0, method: 'gradcam' });
    expect(r.layer).toBe('conv2d');
    expect(r.maps).toHaveLength(1);
    expect(r.maps[0].cls).toBe(r.predicted);
    const top = await callRequest(wb.handlers, 'explainImage', { runId: cnn, index: 0, method: 'saliency', top: 2, contrast: true });
    const ranked = top.probabilities.map((p, k) => ({ p, k })).sort((a, b) => b.p - a.p).map((x) => x.k);
    expect(top.maps.map((m) => [m.cls, m.versus])).toEqual([[ranked[0], null], [ranked[1], null], [ranked[0], ranked[1]]]);
    await expect(callRequest(wb.handlers, 'explainImage', { runId: cnn, index: 0, method: 'gradcam', layer: 'dense' }))
      .rejects.toThrow(/"dense" is not a convolutional layer of this model; its conv layers are: conv2d/);
    await expect(callRequest(wb.handlers, 'explainImage', { runId: ann, index: 0, method: 'gradcam' }))
      .rejects.toThrow(/Grad-CAM needs a convolutional layer.*saliency/);
    await expect(callRequest(wb.handlers, 'explainImage', { runId: cnn, index: 0, method: 'gradcam', classes: [12] }))
      .rejects.toThrow(/Invalid explainImage request: field "classes\[0\]"/);
  }, 120_000);

  it('feature maps: conv and pool channels, statistics for every layer, the first conv layer\'s filters', async () => {
    const f = await callRequest(wb.handlers, 'getFeatureMaps', { runId: cnn, split: 'test', index: 3 });
    requests.getFeatureMaps.response.parse(f);
    expect(f.layers.map((l) => l.className)).toEqual(['Conv2D', 'MaxPooling2D', 'Flatten', 'Dense']);
    expect(f.layers[0].shape).toEqual([26, 26, 4]);
    expect(f.layers[0].channels).toHaveLength(4);
    expect(f.layers[1].channels![0]).toHaveLength(13 * 13);
    expect(f.layers[2].channels).toBeNull();
    expect(f.filters).toMatchObject({ layer: 'conv2d', height: 3, width: 3 });
    expect(f.filters!.kernels).toHaveLength(4);
    const ann0 = await callRequest(wb.handlers, 'getFeatureMaps', { runId: ann, index: 0 });
    expect(ann0.filters).toBeNull();
  }, 120_000);
});
