// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { DRAFTS_STORAGE_KEY, SEEDED_STORAGE_KEY, useModelsStore } from '../../../renderer/src/stores/models.js';
import { SEED_HYPERPARAMETERS } from '../../../shared/hyper.js';
import { installFakeApi } from '../fakeApi.js';

const SEED_ANN = { name: 'seed-ann', inputShape: [784], layers: [{ type: 'Dense', units: 256, activation: 'relu' }, { type: 'Dense', units: 128, activation: 'relu' }, { type: 'Dense', units: 10, activation: 'softmax' }] };
const presets = [{ id: 'seed-ann', title: 'Seed ANN', description: 'd', model: SEED_ANN, hyper: SEED_HYPERPARAMETERS }];

describe('models store', () => {
  beforeEach(() => {
    localStorage.clear();
    setActivePinia(createPinia());
    installFakeApi({ listPresets: () => presets });
  });

  it('copies the presets into drafts on first start only', async () => {
    const s = useModelsStore();
    await s.loadPresets();
    expect(s.drafts.map((d) => d.name)).toEqual(['seed-ann']);
    expect(localStorage.getItem(SEEDED_STORAGE_KEY)).toBe('1');
    s.remove(s.drafts[0].id);
    await s.loadPresets();
    expect(s.drafts).toHaveLength(0);
  });

  it('reports the seed ANN as Keras does: 235,146 parameters', async () => {
    const s = useModelsStore();
    await s.loadPresets();
    expect(s.report?.ok).toBe(true);
    expect(s.report?.totalParams).toBe(235146);
    expect(s.report?.layers.map((l) => l.params)).toEqual([200960, 32896, 1290]);
  });

  it('recomputes as a field changes and names the offending layer', () => {
    const s = useModelsStore();
    s.blank(true);
    expect(s.report?.totalParams).toBe(7850);
    s.insertLayer(0, 'Dense');
    expect(s.report?.totalParams).toBe(101770);
    s.setField(0, 'units', '');
    const issue = s.report!.issues.find((i) => i.layerIndex === 0);
    expect(issue?.field).toBe('units');
    expect(issue?.message).toMatch(/layer 1 \(Dense\)/);
    s.setField(0, 'units', 32);
    expect(s.report?.ok).toBe(true);
    expect(s.report?.totalParams).toBe(784 * 32 + 32 + 330);
  });

  it('changes a layer type to that type\'s defaults, reorders and removes layers', () => {
    const s = useModelsStore();
    s.blank(false);
    s.insertLayer(0, 'Flatten');
    s.setType(0, 'Conv2D');
    expect(s.current!.layers[0].layer).toMatchObject({ type: 'Conv2D', filters: 32, kernelSize: 3 });
    // Conv2D straight into Dense on a 4-D tensor: inference says which layer is wrong.
    expect(s.report?.ok).toBe(false);
    s.insertLayer(1, 'Flatten');
    expect(s.report?.ok).toBe(true);
    s.moveLayer(1, -1);
    expect(s.current!.layers.map((l) => l.layer.type)).toEqual(['Flatten', 'Conv2D', 'Dense']);
    s.removeLayer(1);
    expect(s.current!.layers.map((l) => l.layer.type)).toEqual(['Flatten', 'Dense']);
  });

  it('keeps drafts in localStorage without the editor keys', async () => {
    const s = useModelsStore();
    s.blank(true);
    s.rename('kept');
    await new Promise((r) => setTimeout(r, 0));
    const stored = JSON.parse(localStorage.getItem(DRAFTS_STORAGE_KEY)!);
    expect(stored[0].name).toBe('kept');
    setActivePinia(createPinia());
    const again = useModelsStore();
    expect(again.drafts[0].name).toBe('kept');
    expect(again.drafts[0].layers[0].layer).toEqual({ type: 'Dense', units: 10, activation: 'softmax' });
  });

  it('duplicates a draft as an independent copy', () => {
    const s = useModelsStore();
    const d = s.blank(true);
    const copy = s.duplicate(d.id)!;
    s.setField(0, 'units', 12);
    expect(copy.name).toBe('my-model-copy');
    expect(d.layers[0].layer.units).toBe(10);
  });
});
