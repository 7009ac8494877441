// Engine/runs: crash-safe file primitives: atomic replace (temp + fsync + rename) and tolerant JSON-lines reading.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { StoreError, describe, errnoCode } from './errors.js';

/** Temp files start with a dot and carry this marker, so listings and cleanups can tell them apart. */
export const TEMP_MARKER = '.tmp-';

export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.includes(TEMP_MARKER);
}

export interface AtomicWriteOptions {
  /** Test seam: runs after the temp file is durable and before the rename; a throw aborts the write. */
  beforeRename?: (tempPath: string) => void | Promise<void>;
}

/** fsync a directory so a rename inside it survives power loss; platforms that cannot (Windows) are skipped. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch (err) {
    if (!['EISDIR', 'EPERM', 'EINVAL', 'EBADF', 'EACCES'].includes(errnoCode(err) ?? '')) throw err;
  } finally {
    await handle?.close();
  }
}

/**
 * Replaces `file` with `data` so that a reader (or a crash) sees either the old content or the new, never a mix:
 * write a temp file in the same directory, fsync it, rename it over the target, fsync the directory.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(temp, 'wx', 0o644);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await options.beforeRename?.(temp);
    await fs.rename(temp, file);
    await fsyncDir(dir);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw new StoreError(`could not write ${file}: ${describe(err)}`, undefined, file);
  }
}

/**
 * Reads a JSON-lines file. A line that does not parse (typically the last one, torn by a kill mid-write) is
 * skipped and reported in `warnings` instead of failing the whole read. A missing file reads as empty.
 */
export async function readJsonLines(file: string): Promise<{ records: unknown[]; warnings: string[] }> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { records: [], warnings: [] };
    throw new StoreError(`could not read ${file}: ${describe(err)}`, undefined, file);
  }
  return parseJsonLines(text, path.basename(file));
}

export function parseJsonLines(text: string, label: string): { records: unknown[]; warnings: string[] } {
  const lines = text.split('\n');
  const records: unknown[] = [];
  const warnings: string[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      records.push(JSON.parse(line));
    } catch (err) {
      const last = i === lines.length - 1; // no newline after it: the writer stopped mid-line
      const what = last ? 'torn last line (the writer stopped mid-write)' : 'unreadable line';
      warnings.push(`${label} line ${i + 1}: ${what}, skipped after ${records.length} records: ${describe(err)}`);
    }
  });
  return { records, warnings };
}
