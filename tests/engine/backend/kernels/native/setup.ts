// Test helper: selects wasm with the native kernels, or tells the test file why they cannot run here.
import { loadNative } from '../../../../../electron/engine/backend/native/addon.js';
import { selectBackend } from '../../../../../electron/engine/backend/select.js';

const load = loadNative();
/** Non-null when the addon is missing (not built: no C compiler at install) — the tests then skip, saying so. */
export const nativeMissing: string | null = load.ok ? null : load.reason;

export async function useNative(): Promise<void> {
  if (nativeMissing) return;
  const info = await selectBackend('wasm', { native: true, threads: 2 });
  if (!info.reason.includes('native kernels (')) throw new Error(`native kernels did not switch on: ${info.reason}`);
}
