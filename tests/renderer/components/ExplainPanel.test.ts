// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import InspectView from '../../../renderer/src/views/InspectView.vue';
import { formatHash } from '../../../renderer/src/router.js';
import { convLayersOf } from '../../../renderer/src/stores/explain.js';
import { overlayFor } from '../../../renderer/src/stores/explainOverlay.js';
import { overlayRgba } from '../../../renderer/src/util/heatmap.js';
import type { ExplainResponse } from '../../../shared/explain.js';
import { installFakeApi } from '../fakeApi.js';
import { predictions, summary, toBase64 } from '../fixtures.js';

const cnnSpec = {
  name: 'cnn', inputShape: [28, 28, 1],
  layers: [
    { type: 'Conv2D', filters: 4, kernelSize: 3, activation: 'relu' }, { type: 'MaxPooling2D', poolSize: 2 },
    { type: 'Conv2D', filters: 4, kernelSize: 3, activation: 'relu' }, { type: 'Flatten' }, { type: 'Dense', units: 10, activation: 'softmax' },
  ],
};
const annSpec = { name: 'ann', inputShape: [784], layers: [{ type: 'Dense', units: 8, activation: 'relu' }, { type: 'Dense', units: 10, activation: 'softmax' }] };
const rows = (v: number) => Array.from({ length: 28 }, (_, r) => Array.from({ length: 28 }, (_, c) => (r < 14 ? v : 0) + c * 0));
const probs = [0.05, 0, 0.1, 0, 0.55, 0, 0.3, 0, 0, 0];

function response(req: { runId: string; index: number; method: ExplainResponse['method']; layer: string | null }): ExplainResponse {
  return {
    runId: req.runId, split: 'test', index: req.index, label: 6, predicted: 4, probabilities: probs, method: req.method,
    layer: req.method === 'gradcam' ? req.layer ?? 'conv2d_1' : null, convLayers: req.runId === 'a' ? ['conv2d', 'conv2d_1'] : [],
    maps: [{ cls: 4, versus: null, heatmap: rows(2) }, { cls: 6, versus: null, heatmap: rows(1) }, { cls: 4, versus: 6, heatmap: rows(1) }], seconds: 0.1,
  };
}

async function mountInspect(run: 'a' | 'n') {
  window.location.hash = formatHash('inspect', { a: run, actual: 6, predicted: 4 });
  window.dispatchEvent(new HashChangeEvent('hashchange'));
  const fake = installFakeApi({
    getPredictions: () => predictions([10, 11], [6, 6], [4, 4], { 10: 0.55, 11: 0.9 }),
    getImages: ({ indices }: { indices: number[] }) => ({ pixels: toBase64(new Uint8Array(indices.length * 784).fill(120)) }),
    listRuns: () => [summary(run)],
    getRun: ({ runId }: { runId: string }) => ({ config: { request: { model: runId === 'a' ? cnnSpec : annSpec } } }),
    explainImage: response as never,
    getFeatureMaps: ({ runId, index }: { runId: string; index: number }) => ({
      runId, split: 'test', index,
      layers: [
        { name: 'conv2d', className: 'Conv2D', shape: [26, 26, 2], mean: 0.2, zeroShare: 0.4, channels: [Array(676).fill(1), Array(676).fill(0)] },
        { name: 'flatten', className: 'Flatten', shape: [1352], mean: 0.2, zeroShare: 0.4, channels: null },
      ],
      filters: { layer: 'conv2d', height: 3, width: 3, kernels: [[1, 0, -1, 1, 0, -1, 1, 0, -1]] },
    }),
  });
  const w = mount(InspectView, { attachTo: document.body, global: { stubs: { PixelImage: true, RgbaTile: true } } });
  for (let i = 0; i < 5; i++) await flushPromises();
  return { w, fake };
}

describe('explanations in the inspector', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('asks for the top-2 maps and their contrast, shows them with captions, and the feature maps below', async () => {
    const { w, fake } = await mountInspect('a');
    expect(fake.calls.explainImage).toHaveBeenCalledWith({ runId: 'a', split: 'test', index: 11, method: 'gradcam', top: 2, contrast: true, layer: null });
    const caps = w.findAll('[data-testid=explain-maps] .cap').map((c) => c.text());
    expect(caps).toEqual(['Coat 55.0 %', 'Shirt 30.0 %', 'Coat, not Shirt']);
    expect(w.findAll('[data-testid=explain-method] option').map((o) => o.text())).toEqual(['Grad-CAM', 'Gradient saliency', 'SmoothGrad', 'Integrated gradients']);
    expect(w.findAll('[data-testid=explain-layer] option').map((o) => o.text())).toEqual(['conv2d_1 (last)', 'conv2d']);
    expect(w.get('[data-testid=detail-overlay-label]').text()).toBe('Grad-CAM (conv2d_1): Coat');
    await w.get('[data-testid=explain-map-2]').trigger('click');
    expect(w.get('[data-testid=detail-overlay-label]').text()).toBe('Grad-CAM (conv2d_1): Coat, not Shirt');
    expect(w.findAll('[data-testid=feature-stats] tbody tr')).toHaveLength(2);
    expect(w.find('[data-testid=feature-filters]').exists()).toBe(true);
    await w.get('[data-testid=explain-overlay]').setValue(false);
    expect(w.find('[data-testid=detail-overlay-label]').exists()).toBe(false);
    // The grid keeps its keys: the next image becomes the selection.
    await w.get('[data-testid=inspect-grid]').trigger('keydown', { key: 'ArrowRight' });
    expect(w.get('.tile.selected').attributes('data-test-index')).toBe('10');
    w.unmount();
  });

  it('does not offer Grad-CAM for a model without convolutions', async () => {
    const { w, fake } = await mountInspect('n');
    expect(w.findAll('[data-testid=explain-method] option').map((o) => o.text())).toEqual(['Gradient saliency', 'SmoothGrad', 'Integrated gradients']);
    expect(w.text()).toContain('No convolutional layer in this model, so Grad-CAM is not offered.');
    expect(fake.calls.explainImage).toHaveBeenCalledWith(expect.objectContaining({ method: 'saliency' }));
    expect(fake.calls.explainImage).not.toHaveBeenCalledWith(expect.objectContaining({ method: 'gradcam' }));
    w.unmount();
  });
});

describe('overlay pieces', () => {
  it('names conv layers as the built model does', () => {
    expect(convLayersOf(cnnSpec as never)).toEqual(['conv2d', 'conv2d_1']);
    expect(convLayersOf(annSpec as never)).toEqual([]);
    // A graph model's separable conv counts too (the engine's default Grad-CAM layer there).
    expect(convLayersOf({
      name: 'residual', inputShape: [28, 28, 1], layers: [
        { type: 'Conv2D', name: 'c1', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' },
        { type: 'Conv2D', name: 'c2', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' },
        { type: 'Add', inputs: ['c1', 'c2'] },
        { type: 'SeparableConv2D', filters: 8, kernelSize: 3, activation: 'relu' },
        { type: 'GlobalMaxPooling2D' },
        { type: 'Dense', units: 10, activation: 'softmax' },
      ],
    } as never)).toEqual(['c1', 'c2', 'separable_conv2d']);
  });

  it('blends by map strength: a zero map leaves the image unchanged, class maps share one scale', () => {
    const px = new Uint8Array(784).fill(100);
    const zero = overlayRgba(px, rows(0), 1, 1);
    expect(Array.from(zero.slice(0, 4))).toEqual([100, 100, 100, 255]);
    const full = overlayRgba(px, rows(1), 1, 1);
    expect(Array.from(full.slice(0, 3))).toEqual([252, 255, 164]); // top of the scale at opacity 1
    const r = response({ runId: 'a', index: 1, method: 'saliency', layer: null });
    const second = overlayFor(r, 1, px, 1)!;
    // The second class's map is half the first's, so it is drawn at half strength, not stretched to full.
    expect(Array.from(second.rgba.slice(0, 3))).not.toEqual([252, 255, 164]);
    expect(overlayFor(r, 2, px, 1)!.label).toBe('Gradient saliency: Coat, not Shirt');
  });
});
