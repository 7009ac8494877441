// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { DRAFTS_STORAGE_KEY, SEEDED_STORAGE_KEY, draftOrigin, uniqueName, useModelsStore } from '../../../renderer/src/stores/models.js';
import { layerForPosition } from '../../../renderer/src/stores/layerDefaults.js';
import { SEED_HYPERPARAMETERS } from '../../../shared/hyper.js';
import { installFakeApi } from '../fakeApi.js';

const SEED_ANN = { name: 'seed-ann', inputShape: [784], layers: [{ type: 'Dense', units: 256, activation: 'relu' }, { type: 'Dense', units: 128, activation: 'relu' }, { type: 'Dense', units: 10, activation: 'softmax' }] };
const SEED_CNN = {
  name: 'seed-cnn', inputShape: [28, 28, 1], layers: [
    { type: 'Conv2D', filters: 32, kernelSize: 3, activation: 'relu' }, { type: 'MaxPooling2D', poolSize: 2 },
    { type: 'Conv2D', filters: 64, kernelSize: 3, activation: 'relu' }, { type: 'MaxPooling2D', poolSize: 2 },
    { type: 'Flatten' }, { type: 'Dense', units: 128, activation: 'relu' }, { type: 'Dense', units: 10, activation: 'softmax' },
  ],
};
const CNN_PRESET = { id: 'seed-cnn', title: 'Seed CNN', description: 'd', model: SEED_CNN, hyper: SEED_HYPERPARAMETERS } as never;
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

  it('gives every new draft a unique name: a preset added twice, blanks, copies', () => {
    const s = useModelsStore();
    const a = s.fromPreset(CNN_PRESET);
    const b = s.fromPreset(CNN_PRESET);
    expect([a.name, b.name]).toEqual(['seed-cnn', 'seed-cnn-2']);
    expect(s.fromPreset(CNN_PRESET).name).toBe('seed-cnn-3');
    expect([s.blank(true).name, s.blank(false).name]).toEqual(['my-model', 'my-model-2']);
    expect(s.duplicate(a.id)!.name).toBe('seed-cnn-copy');
    expect(s.duplicate(a.id)!.name).toBe('seed-cnn-copy-2');
    expect(new Set(s.drafts.map((d) => d.name)).size).toBe(s.drafts.length);
  });

  it('"+" in a conv stack inserts a shape-keeping convolution, after Flatten a Dense', () => {
    const s = useModelsStore();
    s.fromPreset(CNN_PRESET);
    const before = s.report!.totalParams;
    expect(s.insertFitting(0)).toBe('Conv2D');
    expect(s.current!.layers[1].layer).toMatchObject({ type: 'Conv2D', filters: 32, padding: 'same' });
    expect(s.report?.ok).toBe(true);
    // 3×3×32×32 + 32 new parameters; nothing after it changes shape.
    expect(s.report!.totalParams).toBe(before + 3 * 3 * 32 * 32 + 32);
    const flattenAt = s.current!.layers.findIndex((l) => l.layer.type === 'Flatten');
    expect(s.insertFitting(flattenAt)).toBe('Dense');
    expect(s.report?.ok).toBe(true);
    // From the input row (index -1) of an image model: a convolution too.
    expect(s.insertFitting(-1)).toBe('Conv2D');
    expect(s.report?.ok).toBe(true);
  });

  it('layerForPosition falls back on the layers before when shapes are unknown', () => {
    const layers = [{ type: 'Conv2D' }, { type: 'Flatten' }, { type: 'Dense' }];
    expect(layerForPosition(layers, 1, [28, 28, 1], null).type).toBe('Conv2D');
    expect(layerForPosition(layers, 2, [28, 28, 1], null).type).toBe('Dense');
    expect(layerForPosition(layers, 0, [784], null).type).toBe('Dense');
    expect(layerForPosition(layers, 1, [28, 28, 1], [13, 13, 64])).toMatchObject({ type: 'Conv2D', filters: 64, padding: 'same' });
  });

  it('trains an edited preset as a custom model, never under the preset\'s name', () => {
    const s = useModelsStore();
    const d = s.fromPreset(CNN_PRESET);
    expect(draftOrigin(d, [CNN_PRESET])).toEqual({ preset: 'seed-cnn', modelName: 'seed-cnn', editedFrom: null });
    // Spelling out a schema default is not an edit.
    s.setField(1, 'padding', 'valid');
    expect(draftOrigin(d, [CNN_PRESET]).preset).toBe('seed-cnn');
    s.setField(0, 'filters', 16);
    const o = draftOrigin(d, [CNN_PRESET]);
    expect(o.preset).toBeUndefined();
    expect(o.modelName).toBe('seed-cnn-custom');
    expect(o.editedFrom).toBe(CNN_PRESET);
    s.rename('Seed CNN');
    expect(draftOrigin(d, [{ ...CNN_PRESET as object, title: 'Seed CNN' } as never]).modelName).toBe('Seed CNN (custom)');
    s.rename('my-cnn');
    expect(draftOrigin(d, [CNN_PRESET]).modelName).toBe('my-cnn');
    // Presets not loaded: the origin cannot be checked, so no preset is claimed.
    expect(draftOrigin(d, []).preset).toBeUndefined();
  });

  it('uniqueName counts on from a numbered name and compares case-insensitively', () => {
    expect(uniqueName('a', [])).toBe('a');
    expect(uniqueName('A', ['a'])).toBe('A-2');
    expect(uniqueName('a-2', ['a', 'a-2'])).toBe('a-3');
    expect(uniqueName('resnet-50', ['resnet-50'])).toBe('resnet-50-2');
    expect(uniqueName('Seed CNN', ['seed cnn'])).toBe('Seed CNN 2');
    expect(uniqueName('Seed CNN 2', ['Seed CNN', 'Seed CNN 2'])).toBe('Seed CNN 3');
  });
});
