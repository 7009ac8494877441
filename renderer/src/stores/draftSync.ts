// Renderer store helper (model drafts): keeps the editor's drafts in step with the drafts folder on disk (the app's data
// folder, shared with the CLI's --model); moves the drafts an older version kept in localStorage there once.
import { watch, type Ref } from 'vue';
import { draftFileStem, type DraftFile, type DraftSpec } from '../../../shared/drafts.js';
import { api } from '../api/host.js';
import { errorMessage } from '../api/errors.js';
import type { ModelDraft } from './models.js';

/** Set once the localStorage drafts have been written to disk: from then on the disk is the truth. */
export const MIGRATED_STORAGE_KEY = 'fmw_model_drafts_on_disk';
const SAVE_DELAY_MS = 300;

export interface DiskSyncOptions {
  drafts: Ref<ModelDraft[]>;
  storage: Storage | undefined;
  /** A new in-memory draft for a file found on disk. */
  make(file: DraftFile): ModelDraft;
  /** Where a problem goes (null when saving works again). */
  error: Ref<string | null>;
}

// The editor's layers are plain JSON field values (what DraftSpecSchema bounds); the server checks them again.
const fileOf = (d: ModelDraft) => ({
  spec: { name: d.name.trim(), inputShape: d.inputShape, layers: d.layers.map((l) => l.layer as DraftSpec['layers'][number]) },
  presetId: d.presetId,
});

/**
 * Reads the drafts folder, merges it into `drafts` (disk wins; before the one-time migration, drafts only in localStorage
 * are written to disk), then saves every change a moment after it happens, renames included, and deletes removed drafts.
 * Returns a stop function. A host without the drafts requests (an old server) leaves the drafts as they were.
 */
export async function startDiskSync(o: DiskSyncOptions): Promise<() => void> {
  const { drafts: files, damaged } = await api().listDrafts({});
  const onDisk = new Map(files.map((f) => [draftFileStem(f.spec.name), f]));
  const migrated = o.storage?.getItem(MIGRATED_STORAGE_KEY) === '1';
  const saved = new Map<string, { name: string; json: string }>();
  for (const d of [...o.drafts.value]) {
    const file = onDisk.get(draftFileStem(d.name));
    if (file) {
      d.name = file.spec.name;
      d.inputShape = [...file.spec.inputShape];
      d.layers = o.make(file).layers;
      d.presetId = file.presetId;
      onDisk.delete(draftFileStem(d.name));
      saved.set(d.id, { name: d.name, json: JSON.stringify(fileOf(d)) });
    } else if (migrated) {
      o.drafts.value.splice(o.drafts.value.indexOf(d), 1); // deleted on disk (by another window or by hand)
    }
  }
  for (const file of onDisk.values()) {
    const d = o.make(file);
    o.drafts.value.push(d);
    saved.set(d.id, { name: d.name, json: JSON.stringify(fileOf(d)) });
  }
  o.error.value = damaged.length ? `${damaged.length} draft file(s) could not be read: ${damaged.map((x) => x.message).join('; ')}` : null;

  async function flush() {
    const seen = new Map<string, string>();
    const problems: string[] = [];
    for (const d of o.drafts.value) {
      const f = fileOf(d);
      if (!f.spec.name) { problems.push('a draft without a name is not saved until it has one'); continue; }
      const stem = draftFileStem(f.spec.name);
      const other = seen.get(stem);
      if (other !== undefined) { problems.push(`"${f.spec.name}" and "${other}" would be one file on disk (${stem}.json): rename one`); continue; }
      seen.set(stem, f.spec.name);
      const json = JSON.stringify(f);
      const last = saved.get(d.id);
      if (last?.json === json) continue;
      try {
        await api().saveDraft({ ...f, previousName: last && last.name !== f.spec.name ? last.name : undefined });
        saved.set(d.id, { name: f.spec.name, json });
      } catch (err) {
        problems.push(`"${f.spec.name}" could not be saved: ${errorMessage(err)}`);
      }
    }
    const ids = new Set(o.drafts.value.map((d) => d.id));
    for (const [id, last] of [...saved]) {
      if (ids.has(id)) continue;
      try {
        await api().deleteDraft({ name: last.name });
        saved.delete(id);
      } catch (err) {
        problems.push(`"${last.name}" could not be deleted: ${errorMessage(err)}`);
      }
    }
    o.error.value = problems.length ? problems.join('; ') : null;
  }

  if (!migrated) {
    await flush();
    if (o.error.value === null) o.storage?.setItem(MIGRATED_STORAGE_KEY, '1');
  }
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<void> = Promise.resolve();
  const stop = watch(o.drafts, () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      running = running.then(flush);
    }, SAVE_DELAY_MS);
  }, { deep: true });
  return () => {
    stop();
    if (timer) clearTimeout(timer);
  };
}
