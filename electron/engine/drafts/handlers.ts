// Engine/drafts: the contract's draft requests (list, save, delete) over a DraftStore, for ipc/ and server/ alike.
import type { WorkbenchHandlers } from '../../../shared/api.js';
import { draftFileStem, type DraftStore } from './store.js';

export function draftHandlers(store: DraftStore): Pick<WorkbenchHandlers, 'listDrafts' | 'saveDraft' | 'deleteDraft'> {
  return {
    async listDrafts() {
      const { files, damaged } = await store.readAll();
      return { drafts: files.map((f) => f.draft), damaged };
    },
    async saveDraft({ spec, presetId, previousName }) {
      const saved = await store.save(spec, presetId);
      // A rename writes the new file first, then removes the old one: a crash in between leaves both, never neither.
      if (previousName !== undefined && draftFileStem(previousName) !== saved.stem) await store.remove(previousName);
      return saved;
    },
    async deleteDraft({ name }) {
      await store.remove(name);
      return { ok: true as const };
    },
  };
}
