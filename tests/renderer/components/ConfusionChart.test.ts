// @vitest-environment jsdom
import { describe, expect, it, beforeEach } from 'vitest';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import ConfusionChart from '../../../renderer/src/components/ConfusionChart.vue';
import EChart from '../../../renderer/src/components/EChart.vue';
import { installFakeApi } from '../fakeApi.js';

const matrix = Array.from({ length: 10 }, (_, i) => Array.from({ length: 10 }, (_, j) => (i === j ? 90 : 1)));

describe('ConfusionChart', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    installFakeApi();
  });

  it('turns a click on a heatmap cell into (actual, predicted)', async () => {
    const w = mount(ConfusionChart, { props: { matrix }, global: { stubs: { EChart: true } } });
    const chart = w.getComponent(EChart);
    chart.vm.$emit('click', { seriesType: 'heatmap', value: [4, 6, 0.1, 1] });
    chart.vm.$emit('click', { seriesType: 'bar', value: 1 });
    expect(w.emitted('cell')).toEqual([[{ actual: 6, predicted: 4 }]]);
  });

  it('draws counts, or B − A when given a base', () => {
    const counts = mount(ConfusionChart, { props: { matrix }, global: { stubs: { EChart: true } } });
    const opt = counts.getComponent(EChart).props('option') as { series: Array<{ data: Array<{ label: { formatter: string } }> }> };
    expect(opt.series[0].data[0].label.formatter).toBe('90');
    const b = matrix.map((r, i) => r.map((v, j) => (i === 0 && j === 0 ? v + 5 : v)));
    const diff = mount(ConfusionChart, { props: { matrix: b, base: matrix }, global: { stubs: { EChart: true } } });
    const dopt = diff.getComponent(EChart).props('option') as typeof opt;
    expect(dopt.series[0].data[0].label.formatter).toBe('+5');
  });
});
