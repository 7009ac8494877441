// Desktop shell: requests that move files through native dialogs (run archives, the data folder) instead of through the renderer.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { WorkbenchHandlers } from '../../shared/api.js';
import type { ChooseDataDirResult } from '../../shared/shell.js';
import type { HandlerOverrides } from './bind.js';

export interface FileFilter { name: string; extensions: string[] }

/** Native dialogs as main.ts provides them (Electron's dialog module); null means the user cancelled. */
export interface FileDialogs {
  saveFile(opts: { title: string; defaultName: string; filters: FileFilter[] }): Promise<string | null>;
  openFile(opts: { title: string; filters: FileFilter[] }): Promise<string | null>;
  openFolder(opts: { title: string }): Promise<string | null>;
}

/** A file the user picked could not be read or written. */
export class ShellFileError extends Error {
  override readonly name = 'ShellFileError';

  constructor(message: string, readonly file: string) {
    super(message);
  }
}

export const RUN_ARCHIVE_FILTERS: FileFilter[] = [{ name: 'Workbench run archive', extensions: ['tar.gz', 'tgz'] }];

/** Writes next to the target and renames, so a failed save never leaves half a file under the chosen name. */
export async function writeFileAtomic(file: string, data: Uint8Array): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw new ShellFileError(`Could not save ${file}: ${(err as Error).message}`, file);
  }
}

/** Asks for a run archive and imports it; null when the user cancelled. */
export async function importRunFromDialog(handlers: WorkbenchHandlers, dialogs: FileDialogs): Promise<string | null> {
  const file = await dialogs.openFile({ title: 'Import run', filters: RUN_ARCHIVE_FILTERS });
  if (!file) return null;
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    throw new ShellFileError(`Could not read ${file}: ${(err as Error).message}`, file);
  }
  const { runId } = await handlers.importRun({ archive: bytes.toString('base64') });
  return runId;
}

/** The desktop variants of exportRun/importRun (see the convention in shared/shell.ts). */
export function dialogOverrides(handlers: WorkbenchHandlers, dialogs: FileDialogs): HandlerOverrides {
  return {
    exportRun: async (request) => {
      const { fileName, archive } = await handlers.exportRun(request);
      const file = await dialogs.saveFile({ title: 'Export run', defaultName: fileName, filters: RUN_ARCHIVE_FILTERS });
      if (!file) return { fileName: '', archive: '' };
      await writeFileAtomic(file, Buffer.from(archive, 'base64'));
      return { fileName: file, archive: '' };
    },
    importRun: async (request) => {
      if (request.archive !== '') return handlers.importRun(request);
      const runId = await importRunFromDialog(handlers, dialogs);
      if (runId === null) throw new Error('Import cancelled');
      return { runId };
    },
  };
}

/** Lets the user pick the Fashion-MNIST folder and stores it in the settings. */
export async function chooseDataDir(handlers: WorkbenchHandlers, dialogs: FileDialogs): Promise<ChooseDataDirResult> {
  const dir = await dialogs.openFolder({ title: 'Choose the Fashion-MNIST data folder' });
  if (!dir) return { cancelled: true, settings: await handlers.getSettings({}) };
  return { cancelled: false, settings: await handlers.setSettings({ dataDir: dir }) };
}
