// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import CostPreview from '../../../renderer/src/components/CostPreview.vue';

const conv = [
  { type: 'Conv2D', filters: 32, kernelSize: 3, activation: 'relu' }, { type: 'MaxPooling2D', poolSize: 2 },
  { type: 'Conv2D', filters: 64, kernelSize: 3, activation: 'relu' }, { type: 'MaxPooling2D', poolSize: 2 },
];
const head = [{ type: 'Flatten' }, { type: 'Dense', units: 128, activation: 'relu' }, { type: 'Dense', units: 10, activation: 'softmax' }];
const cnn = { name: 'cnn', inputShape: [28, 28, 1], layers: [...conv, ...head] };
const cnnBn = { name: 'cnn-bn', inputShape: [28, 28, 1], layers: [conv[0], { type: 'BatchNormalization' }, conv[1], conv[2], { type: 'BatchNormalization' }, conv[3], ...head] };
/** BN over 64 full-size channels that a cheap 1×1 convolution produces: normalising dominates the work. */
const bnHeavy = { name: 'bn-heavy', inputShape: [28, 28, 1], layers: [
  { type: 'Conv2D', filters: 64, kernelSize: 1, activation: 'relu' }, { type: 'BatchNormalization' },
  { type: 'GlobalAveragePooling2D' }, { type: 'Dense', units: 10, activation: 'softmax' },
] };
const props = { backend: 'wasm', trainSamples: 50_000, validationSamples: 10_000, batchSize: 128, epochs: 10 };
const seconds = (text: string) => {
  const m = /≈ (?:(\d+)m )?(\d+(?:\.\d+)?)s per epoch/.exec(text)!;
  return Number(m[1] ?? 0) * 60 + Number(m[2]);
};

describe('CostPreview', () => {
  it('states the time per epoch as an estimate, with the backend and data size', () => {
    const w = mount(CostPreview, { props: { ...props, spec: cnn } });
    expect(w.find('[data-testid=cost-epoch]').text()).toMatch(/per epoch/);
    expect(w.text()).toContain('An estimate');
    expect(w.text()).toContain('50,000 training + 10,000 validation');
    expect(w.find('[data-testid=cost-bn-warning]').exists()).toBe(false);
  });
  it('warns about BatchNormalization only where it dominates the training time', () => {
    const plain = seconds(mount(CostPreview, { props: { ...props, spec: cnn } }).text());
    const withBn = mount(CostPreview, { props: { ...props, spec: cnnBn } });
    // The fused kernels: the seed CNN + BN costs a fraction more (bench 1.26×), no warning.
    expect(withBn.find('[data-testid=cost-bn-warning]').exists()).toBe(false);
    expect(seconds(withBn.text()) / plain).toBeGreaterThan(1.1);
    expect(seconds(withBn.text()) / plain).toBeLessThan(1.6);
    const w = mount(CostPreview, { props: { ...props, spec: bnHeavy } });
    expect(w.find('[data-testid=cost-bn-warning]').text()).toMatch(/BatchNormalization takes \d+% of the training time/);
  });
  it('shows the validation pass, the fixed per-epoch cost and the warm-up in the totals', () => {
    const small = { ...props, trainSamples: 1_000, validationSamples: 200, epochs: 1 };
    const w = mount(CostPreview, { props: { ...small, spec: cnn } });
    expect(w.find('[data-testid=cost-parts]').text()).toMatch(/validation ≈ [\d.]+s .* fixed ≈ [\d.]+s.*warm-up/s);
    // One epoch of a small run: the total adds the first epoch's warm-up to the epoch itself.
    const total = /≈ (\d+(?:\.\d+)?)s for 1 epoch/.exec(w.text())!;
    expect(Number(total[1])).toBeGreaterThan(seconds(w.text()) + 0.5);
  });
  it('shows nothing for an invalid model', () => {
    const w = mount(CostPreview, { props: { ...props, spec: { name: 'x', inputShape: [784], layers: conv } } });
    expect(w.find('[data-testid=cost-preview]').exists()).toBe(false);
  });
});
