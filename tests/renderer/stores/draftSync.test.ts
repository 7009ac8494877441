// @vitest-environment jsdom
// Drafts on disk from the editor: the one-time move out of localStorage, saves after edits and renames, deletes, and
// the disk winning once moved.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { DRAFTS_STORAGE_KEY, useModelsStore } from '../../../renderer/src/stores/models.js';
import { MIGRATED_STORAGE_KEY } from '../../../renderer/src/stores/draftSync.js';
import { draftFileStem, type DraftFile } from '../../../shared/drafts.js';
import { installFakeApi } from '../fakeApi.js';

const OUT = { type: 'Dense', units: 10, activation: 'softmax' };
/** A drafts folder in memory, keyed by file stem as the engine's DraftStore keys it. */
function fakeDisk(initial: DraftFile[] = []) {
  const files = new Map(initial.map((f) => [draftFileStem(f.spec.name), f]));
  const api = installFakeApi({
    listPresets: () => [],
    listDrafts: () => ({ drafts: [...files.values()], damaged: [] }),
    saveDraft: (req: { spec: DraftFile['spec']; presetId: string | null; previousName?: string }) => {
      files.set(draftFileStem(req.spec.name), { format: 'fmw-model-draft', version: 1, savedAt: 'now', presetId: req.presetId, spec: req.spec });
      if (req.previousName && draftFileStem(req.previousName) !== draftFileStem(req.spec.name)) files.delete(draftFileStem(req.previousName));
      return { name: req.spec.name, stem: draftFileStem(req.spec.name), savedAt: 'now', presetId: req.presetId };
    },
    deleteDraft: (req: { name: string }) => (files.delete(draftFileStem(req.name)), { ok: true }),
  });
  return { files, api };
}
const settle = async () => {
  await vi.advanceTimersByTimeAsync(400);
  await vi.runAllTimersAsync();
};

describe('drafts on disk', () => {
  beforeEach(() => {
    localStorage.clear();
    localStorage.setItem('fmw_model_drafts_seeded', '1');
    setActivePinia(createPinia());
    vi.useFakeTimers();
  });

  it('moves localStorage drafts to disk once, then saves edits and renames and deletes removed drafts', async () => {
    localStorage.setItem(DRAFTS_STORAGE_KEY, JSON.stringify([{ id: 'd1', name: 'Old draft', inputShape: [784], layers: [{ key: 1, layer: OUT }], presetId: null, hyper: null, updatedAt: 'x' }]));
    const disk = fakeDisk([{ format: 'fmw-model-draft', version: 1, savedAt: 't', presetId: null, spec: { name: 'From CLI', inputShape: [784], layers: [OUT] } }]);
    const s = useModelsStore();
    await s.loadPresets();
    expect(s.diskError).toBeNull();
    expect([...disk.files.keys()].sort()).toEqual(['from-cli', 'old-draft']);
    expect(s.drafts.map((d) => d.name).sort()).toEqual(['From CLI', 'Old draft']);
    expect(localStorage.getItem(MIGRATED_STORAGE_KEY)).toBe('1');

    s.select(s.drafts.find((d) => d.name === 'Old draft')!.id);
    s.rename('Renamed');
    s.insertLayer(0, 'Dense');
    await settle();
    expect([...disk.files.keys()].sort()).toEqual(['from-cli', 'renamed']);
    expect(disk.files.get('renamed')!.spec.layers).toHaveLength(2);

    s.remove(s.drafts.find((d) => d.name === 'From CLI')!.id);
    await settle();
    expect([...disk.files.keys()]).toEqual(['renamed']);
  });

  it('after the move the disk is the truth: a draft deleted on disk leaves the editor too; names that share a file are refused', async () => {
    localStorage.setItem(MIGRATED_STORAGE_KEY, '1');
    localStorage.setItem(DRAFTS_STORAGE_KEY, JSON.stringify([{ id: 'd1', name: 'gone', inputShape: [784], layers: [{ key: 1, layer: OUT }], presetId: null, hyper: null, updatedAt: 'x' }]));
    const disk = fakeDisk([{ format: 'fmw-model-draft', version: 1, savedAt: 't', presetId: null, spec: { name: 'My CNN', inputShape: [784], layers: [OUT] } }]);
    const s = useModelsStore();
    await s.loadPresets();
    expect(s.drafts.map((d) => d.name)).toEqual(['My CNN']);
    const b = s.blank(true);
    s.select(b.id);
    s.rename('my cnn');
    await settle();
    expect(s.diskError).toMatch(/"my cnn" and "My CNN" would be one file on disk \(my-cnn\.json\): rename one/);
    expect(disk.files.get('my-cnn')!.spec.name).toBe('My CNN');
  });

  it('without the drafts requests (an older host) the editor keeps working from localStorage and says so', async () => {
    installFakeApi({ listPresets: () => [] });
    const s = useModelsStore();
    s.blank(true);
    await s.loadPresets();
    expect(s.drafts).toHaveLength(1);
    expect(s.diskError).toMatch(/drafts are kept in this browser only/);
  });
});
