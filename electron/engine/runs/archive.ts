// Engine/runs: a run folder as one .tar.gz, and the checks an archive must pass before anything is unpacked.
import path from 'node:path';
import { create, extract, list, type ReadEntry } from 'tar';
import { RunIdSchema } from '../../../shared/run.js';
import { isTempName } from './atomic.js';
import { StoreError, describe } from './errors.js';

/** Generous for one run (a model of a few MB, logs, predictions) while refusing a decompression bomb. */
const MAX_TOTAL_BYTES = 2 * 1024 ** 3;
const MAX_ENTRIES = 10_000;
const ALLOWED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory']);

export async function packRun(root: string, runId: string): Promise<Buffer> {
  const stream = create({ gzip: true, cwd: root, portable: true, filter: (p) => !isTempName(path.basename(p)) }, [runId]);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

interface Listed { path: string; type: string; size: number }

async function listEntries(data: Buffer): Promise<Listed[]> {
  const entries: Listed[] = [];
  const parser = list({
    onReadEntry: (e: ReadEntry) => {
      entries.push({ path: e.path, type: e.type, size: e.size ?? 0 });
      e.resume();
    },
  });
  await new Promise<void>((resolve, reject) => {
    parser.on('error', reject);
    parser.on('warn', (_code: string, message: string | Error) => reject(new Error(String(message))));
    parser.on('end', () => resolve());
    parser.end(data);
  });
  return entries;
}

/**
 * Checks an archive without unpacking it: one top folder named like a run id, only plain files and folders,
 * no absolute paths or `..`, a config.json in the folder. Returns the folder name (the run id it was exported as).
 */
export async function inspectArchive(data: Buffer): Promise<string> {
  let entries: Listed[];
  try {
    entries = await listEntries(data);
  } catch (err) {
    throw new StoreError(`this is not a readable .tar.gz run archive: ${describe(err)}`);
  }
  if (entries.length === 0) throw new StoreError('the archive is empty: expected one run folder');
  if (entries.length > MAX_ENTRIES) throw new StoreError(`the archive holds ${entries.length} entries; a run has far fewer (limit ${MAX_ENTRIES})`);
  const tops = new Set<string>();
  let total = 0;
  let hasConfig = false;
  for (const e of entries) {
    if (e.path.startsWith('/') || e.path.includes('\\') || /^[A-Za-z]:/.test(e.path)) {
      throw new StoreError(`the archive entry "${e.path}" has an absolute or Windows path; refusing to import it`);
    }
    const parts = e.path.split('/').filter((s) => s !== '' && s !== '.');
    if (parts.includes('..')) throw new StoreError(`the archive entry "${e.path}" climbs out of its folder with ".."; refusing to import it`);
    if (!ALLOWED_TYPES.has(e.type)) throw new StoreError(`the archive entry "${e.path}" is a ${e.type}; a run archive holds only files and folders`);
    if (parts.length === 0) continue;
    if (parts.length === 1 && e.type !== 'Directory') throw new StoreError(`the archive has the file "${e.path}" at its top; expected everything inside one run folder`);
    tops.add(parts[0]);
    if (parts.length === 2 && parts[1] === 'config.json' && e.type !== 'Directory') hasConfig = true;
    total += e.size;
  }
  if (tops.size !== 1) throw new StoreError(`the archive holds ${tops.size} top-level folders (${[...tops].slice(0, 5).join(', ')}); expected exactly one run folder`);
  if (total > MAX_TOTAL_BYTES) throw new StoreError(`the archive unpacks to ${total} bytes, more than the ${MAX_TOTAL_BYTES} a run may hold`);
  const [top] = tops;
  if (!RunIdSchema.safeParse(top).success) throw new StoreError(`the archive's folder "${top}" is not a run id (letters, digits, _ and - only)`);
  if (!hasConfig) throw new StoreError(`the archive's folder "${top}" has no config.json, so it is not a run`);
  return top;
}

/** Unpacks an archive that passed inspectArchive into `dir`, strictly: any tar warning fails the import. */
export async function unpackArchive(data: Buffer, dir: string): Promise<void> {
  const unpack = extract({ cwd: dir, strict: true, preservePaths: false, preserveOwner: false });
  await new Promise<void>((resolve, reject) => {
    unpack.on('error', reject);
    unpack.on('close', () => resolve());
    unpack.end(data);
  }).catch((err) => {
    throw new StoreError(`could not unpack the run archive: ${describe(err)}`);
  });
}
