// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import InspectView from '../../../renderer/src/views/InspectView.vue';
import { useCompareStore } from '../../../renderer/src/stores/compare.js';
import { formatHash } from '../../../renderer/src/router.js';
import { installFakeApi } from '../fakeApi.js';
import { predictions, summary, toBase64 } from '../fixtures.js';

const labels = [6, 6, 6, 2, 6, 0];
const A = predictions([10, 11, 12, 13, 14, 15], labels, [4, 4, 0, 6, 4, 0], { 10: 0.55, 11: 0.95, 14: 0.75 });
const B = predictions([10, 11, 12, 13, 14, 15], labels, [6, 4, 6, 6, 6, 0]);

async function mountAt(query: Record<string, string | number>, compared: string[] = []) {
  window.location.hash = formatHash('inspect', query);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
  const fake = installFakeApi({
    getPredictions: ({ runId }: { runId: string }) => (runId === 'a' ? A : B),
    getImages: ({ indices }: { indices: number[] }) => ({ pixels: toBase64(new Uint8Array(indices.length * 784).fill(200)) }),
    listRuns: () => [summary('a'), summary('b')],
  });
  useCompareStore().setSelection(compared);
  const w = mount(InspectView, { attachTo: document.body, global: { stubs: { PixelImage: true } } });
  await flushPromises();
  await flushPromises();
  return { w, fake };
}

describe('InspectView', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('shows the images of one confusion cell, most confident mistake first, with top-3 probabilities', async () => {
    const { w, fake } = await mountAt({ a: 'a', actual: 6, predicted: 4 });
    const tiles = w.findAll('[data-testid=inspect-grid] .tile');
    expect(tiles.map((t) => t.attributes('data-test-index'))).toEqual(['11', '14', '10']);
    expect(w.get('[data-testid=inspect-count]').text()).toContain('3 images');
    expect(tiles[0].findAll('.prob')).toHaveLength(3);
    expect(fake.calls.getImages).toHaveBeenCalledWith({ split: 'test', indices: [11, 14, 10] });
    w.unmount();
  });

  it('moves the selection with the arrow keys', async () => {
    const { w } = await mountAt({ a: 'a', actual: 6, predicted: 4 });
    const grid = w.get('[data-testid=inspect-grid]');
    const selected = () => w.get('.tile.selected').attributes('data-test-index');
    expect(selected()).toBe('11');
    await grid.trigger('keydown', { key: 'ArrowRight' });
    expect(selected()).toBe('14');
    await grid.trigger('keydown', { key: 'End' });
    expect(selected()).toBe('10');
    await grid.trigger('keydown', { key: 'Home' });
    expect(selected()).toBe('11');
    expect(w.get('[data-testid=image-detail]').text()).toContain('11');
    w.unmount();
  });

  it('offers both-wrong / fixed-by-B / broken-by-B tabs for two runs', async () => {
    const { w } = await mountAt({ a: 'a', b: 'b', tab: 'fixed' });
    expect(w.get('[data-testid=tab-fixed]').classes()).toContain('active');
    expect(w.get('[data-testid=tab-fixed]').text()).toContain('3');
    expect(w.get('[data-testid=tab-both]').text()).toContain('2');
    expect(w.get('[data-testid=tab-broken]').text()).toContain('0');
    expect(w.findAll('.tile').map((t) => t.attributes('data-test-index')).sort()).toEqual(['10', '12', '14']);
    w.unmount();
  });

  it('opens on Compare\'s A and B when the address names no run', async () => {
    const { w } = await mountAt({}, ['b', 'a']);
    expect(window.location.hash).toContain('a=b');
    expect(window.location.hash).toContain('b=a');
    // Two-run mode on the carried pair: "Both wrong" is the default tab (images 11 and 13 are wrong in both).
    expect(w.get('[data-testid=tab-both]').classes()).toContain('active');
    expect(w.findAll('.tile').map((t) => t.attributes('data-test-index')).sort()).toEqual(['11', '13']);
    w.unmount();
  });

  it('"Both wrong" under a predicted-class filter lists only images both runs put in that class, and says so', async () => {
    // True Shirt, predicted Coat (4): A wrong as Coat on 10, 11, 14; B also Coat only on 11.
    const { w } = await mountAt({ a: 'a', b: 'b', tab: 'both', actual: 6, predicted: 4 });
    expect(w.findAll('.tile').map((t) => t.attributes('data-test-index'))).toEqual(['11']);
    expect(w.get('[data-testid=inspect-selection]').text()).toBe('Showing Shirt images where A and B both predicted Coat.');
    w.unmount();
  });
});
