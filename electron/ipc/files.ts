// Desktop shell: requests that move files through native dialogs (run archives, the data folder) instead of through the renderer.
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';
import { MAX_RUN_ARCHIVE_BYTES, type WorkbenchHandlers } from '../../shared/api.js';
import type { ChooseDataDirResult } from '../../shared/shell.js';
import type { HandlerOverrides } from './bind.js';
import { isRequestName } from './contract.js';

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

export const RUN_ARCHIVE_FILTERS: FileFilter[] = [{ name: 'Workbench run archive', extensions: ['gz', 'tgz'] }];
export const PDF_FILTERS: FileFilter[] = [{ name: 'PDF document', extensions: ['pdf'] }];

/** Where a file-producing response carries its bytes (base64); the first string one found is saved. */
const BASE64_FIELDS = ['archive', 'pdf', 'data', 'content'] as const;

function mib(bytes: number): string {
  return `${+(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

function kindOf(st: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  return st.isDirectory() ? 'a folder' : st.isFIFO() ? 'a pipe (FIFO)' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'not a regular file';
}

/** A path from a dialog is still input (typed by hand, a link, a pipe, a device): absolute, normalised, or refused. */
function chosenPath(file: string): string {
  if (typeof file !== 'string' || file.length === 0 || file.length > 4096 || file.includes('\0') || !path.isAbsolute(file)) {
    throw new ShellFileError(`The dialog returned an unusable path: ${JSON.stringify(String(file).slice(0, 200))}`, String(file));
  }
  return path.resolve(file);
}

/**
 * Reads a file the user picked: it must be a regular file (a FIFO or /dev/zero would never end) of 1 byte to `maxBytes`,
 * checked on the open descriptor so the file cannot be swapped between the check and the read.
 */
export async function readChosenFile(chosen: string, maxBytes: number, what: string): Promise<Buffer> {
  const file = chosenPath(chosen);
  let st;
  try {
    st = await fs.stat(file);
  } catch (err) {
    throw new ShellFileError(`Could not read ${file}: ${(err as Error).message}`, file);
  }
  if (!st.isFile()) throw new ShellFileError(`Could not read ${file}: it is ${kindOf(st)}, not ${what}`, file);
  if (st.size === 0) throw new ShellFileError(`Could not read ${file}: it is empty, not ${what}`, file);
  if (st.size > maxBytes) throw new ShellFileError(`Could not read ${file}: it is ${mib(st.size)}; ${what} may be at most ${mib(maxBytes)}`, file);
  const handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK).catch((err: Error) => {
    throw new ShellFileError(`Could not read ${file}: ${err.message}`, file);
  });
  try {
    const now = await handle.stat();
    if (!now.isFile() || now.size > maxBytes) throw new ShellFileError(`Could not read ${file}: it changed while being opened`, file);
    const buf = Buffer.alloc(Math.min(now.size, maxBytes) + 1);
    let got = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
      if (got > maxBytes || got === buf.length) break;
    }
    if (got > maxBytes || got > now.size) throw new ShellFileError(`Could not read ${file}: it grew past ${mib(maxBytes)} while being read`, file);
    return buf.subarray(0, got);
  } finally {
    await handle.close();
  }
}

/** Writes next to the target and renames, so a failed save never leaves half a file under the chosen name. */
export async function writeFileAtomic(chosen: string, data: Uint8Array): Promise<void> {
  const file = chosenPath(chosen);
  // Renaming over a device, pipe or folder would replace it (as root, /dev/null itself): only a file (or a link, which
  // the rename replaces, never its target) may be replaced.
  const existing = await fs.lstat(file).catch(() => null);
  if (existing && !existing.isFile() && !existing.isSymbolicLink()) throw new ShellFileError(`Could not save ${file}: it is ${kindOf(existing)}`, file);
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
  const bytes = await readChosenFile(file, MAX_RUN_ARCHIVE_BYTES, 'a run archive');
  // The same engine request (and so the same archive checks) as an import from the renderer or the browser.
  const { runId } = await handlers.importRun({ archive: bytes.toString('base64') });
  return runId;
}

type FileResponse = Record<string, unknown>;

/**
 * Wraps a request whose response is `{ fileName, <base64 field> }`: asks where to save, writes the bytes there, and answers
 * with the saved path as fileName and the base64 field emptied ('' fileName when cancelled) — see shared/shell.ts.
 */
export function saveThroughDialog<Req, Res extends FileResponse>(
  call: (request: Req) => Promise<Res>,
  dialogs: FileDialogs,
  opts: { title: string; filters: FileFilter[]; fallbackName: string },
): (request: Req) => Promise<Res> {
  return async (request) => {
    const res = await call(request);
    const field = BASE64_FIELDS.find((f) => typeof res[f] === 'string');
    if (!field) return res; // nothing to save here (e.g. the engine wrote the file itself)
    const suggested = typeof res.fileName === 'string' && res.fileName ? path.basename(res.fileName) : opts.fallbackName;
    const file = await dialogs.saveFile({ title: opts.title, defaultName: suggested, filters: opts.filters });
    if (!file) return { ...res, [field]: '', fileName: '' };
    await writeFileAtomic(file, Buffer.from(res[field] as string, 'base64'));
    return { ...res, [field]: '', fileName: file };
  };
}

/** The desktop variants of exportRun/importRun and, once the contract has it, exportReport (see shared/shell.ts). */
export function dialogOverrides(handlers: WorkbenchHandlers, dialogs: FileDialogs): HandlerOverrides {
  const overrides: HandlerOverrides = {
    exportRun: saveThroughDialog((r) => handlers.exportRun(r), dialogs, {
      title: 'Export run', filters: RUN_ARCHIVE_FILTERS, fallbackName: 'run.tar.gz',
    }),
    importRun: async (request) => {
      if (request.archive !== '') return handlers.importRun(request);
      const runId = await importRunFromDialog(handlers, dialogs);
      if (runId === null) throw new Error('Import cancelled');
      return { runId };
    },
  };
  if (isRequestName('exportReport')) {
    const anyHandlers = handlers as unknown as Record<string, (r: unknown) => Promise<FileResponse>>;
    (overrides as Record<string, unknown>).exportReport = saveThroughDialog((r: unknown) => anyHandlers.exportReport!(r), dialogs, {
      title: 'Export report', filters: PDF_FILTERS, fallbackName: 'fashion-mnist-report.pdf',
    });
  }
  return overrides;
}

/** Lets the user pick the Fashion-MNIST folder and stores it in the settings. */
export async function chooseDataDir(handlers: WorkbenchHandlers, dialogs: FileDialogs): Promise<ChooseDataDirResult> {
  const chosen = await dialogs.openFolder({ title: 'Choose the Fashion-MNIST data folder' });
  if (!chosen) return { cancelled: true, settings: await handlers.getSettings({}) };
  const dir = chosenPath(chosen);
  const st = await fs.stat(dir).catch(() => null);
  if (!st) throw new ShellFileError(`Could not use ${dir}: it does not exist`, dir);
  if (!st.isDirectory()) throw new ShellFileError(`Could not use ${dir}: it is ${st.isFile() ? 'a file' : kindOf(st)}, not a folder`, dir);
  return { cancelled: false, settings: await handlers.setSettings({ dataDir: dir }) };
}
