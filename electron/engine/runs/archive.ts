// Engine/runs: a run folder as one .tar.gz, and the streaming, byte-counting checks and writer an imported archive goes through.
import { closeSync, fchmodSync, lstatSync, mkdirSync, chmodSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { create, Parser, type ReadEntry } from 'tar';
import { MAX_RUN_ARCHIVE_BYTES } from '../../../shared/api.js';
import { RunIdSchema } from '../../../shared/run.js';
import { isTempName } from './atomic.js';
import { StoreError, describe } from './errors.js';

const MiB = 1024 ** 2;
/**
 * What the largest legitimate run may unpack to: config, logs, metrics, predictions (a few MB) and a tfjs model of a
 * few hundred MB. Counted on the decompressed stream, so a decompression bomb is stopped before it costs memory or disk.
 */
export const ARCHIVE_LIMITS = {
  /** Compressed archive (the import payload). */
  archiveBytes: MAX_RUN_ARCHIVE_BYTES,
  /** All file contents together, as the tar headers declare them. */
  totalBytes: 1024 * MiB,
  /** One file (the model's weights are the largest). */
  entryBytes: 512 * MiB,
  /** Files and folders (a run has about ten; a sharded model a few hundred at most). */
  entries: 1000,
  /** Decompressed tar stream: contents plus headers, padding and end blocks. */
  streamBytes: 1024 * MiB + 16 * MiB,
  /** Padding after the tar's end blocks (tar pads to 10 KiB records; 1 MiB is plenty). */
  trailingBytes: MiB,
} as const;

/**
 * The run's own JSON files are read whole (and the event log on every listing), so they get limits of their own, far
 * below the model's: a long run's log is a few MB, its predictions about one.
 */
export const RUN_FILE_LIMITS: Readonly<Record<string, number>> = {
  'config.json': MiB, 'status.json': MiB, 'meta.json': MiB,
  'metrics.json': 16 * MiB, 'predictions.json': 64 * MiB, 'events.jsonl': 256 * MiB,
};

/** Files and folders only: links, devices and FIFOs have no place in a run folder. */
const ALLOWED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory']);
const FILE_MODE = 0o644;
const DIR_MODE = 0o755;
const FEED_BYTES = 16 * 1024;

function mb(bytes: number): string {
  return bytes >= MiB ? `${+(bytes / MiB).toFixed(1)} MiB` : `${bytes} bytes`;
}

export async function packRun(root: string, runId: string): Promise<Buffer> {
  const stream = create({ gzip: true, cwd: root, portable: true, filter: (p) => !isTempName(path.basename(p)) }, [runId]);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** An entry that passed the checks: its path as folder names under the archive root. */
interface Checked { path: string; parts: string[]; type: string; size: number }

/** The own limit of a run's top-level JSON file (`<run>/<name>`), or null. */
function runFileLimit(parts: readonly string[]): number | null {
  return parts.length === 2 && Object.hasOwn(RUN_FILE_LIMITS, parts[1]) ? RUN_FILE_LIMITS[parts[1]] : null;
}

/** Refuses what the archive entry may not be; called for each header as it is read, before its data. */
class EntryChecks {
  count = 0;
  total = 0;

  check(e: ReadEntry): Checked {
    const p = e.path;
    const shown = JSON.stringify(p.length > 200 ? `${p.slice(0, 200)}…` : p);
    if (++this.count > ARCHIVE_LIMITS.entries) throw new StoreError(`the archive holds more than ${ARCHIVE_LIMITS.entries} entries, the limit for a run archive (a run has about ten files)`);
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f\x7f]/.test(p)) throw new StoreError(`the archive entry ${shown} has control characters in its name; refusing to import it`);
    if (p.startsWith('/') || p.includes('\\') || /^[A-Za-z]:/.test(p)) {
      throw new StoreError(`the archive entry ${shown} has an absolute or Windows path; refusing to import it`);
    }
    const parts = p.split('/').filter((s) => s !== '' && s !== '.');
    if (parts.includes('..')) throw new StoreError(`the archive entry ${shown} climbs out of its folder with ".."; refusing to import it`);
    if (p.length > 1024 || parts.some((s) => Buffer.byteLength(s) > 255)) throw new StoreError(`the archive entry ${shown} has a name longer than a run folder ever holds`);
    if (!ALLOWED_TYPES.has(e.type)) {
      const what = e.linkpath ? `${e.type} to "${e.linkpath}"` : e.type;
      throw new StoreError(`the archive entry ${shown} is a ${what}; a run archive holds only files and folders`);
    }
    const size = e.type === 'Directory' ? 0 : e.size ?? 0;
    if (!Number.isSafeInteger(size) || size < 0 || size > ARCHIVE_LIMITS.entryBytes) {
      throw new StoreError(`the archive entry ${shown} is ${mb(size)}, more than the ${mb(ARCHIVE_LIMITS.entryBytes)} one file of a run archive may hold`);
    }
    const own = runFileLimit(parts);
    if (own !== null && size > own) {
      throw new StoreError(`the archive entry ${shown} is ${mb(size)}, more than the ${mb(own)} a run's ${parts[1]} may hold`);
    }
    this.total += size;
    if (this.total > ARCHIVE_LIMITS.totalBytes) {
      throw new StoreError(`the archive unpacks to more than ${mb(ARCHIVE_LIMITS.totalBytes)}, the limit for a run archive (stopped at ${shown})`);
    }
    return { path: p, parts, type: e.type, size };
  }
}

/** The tar stream of `data`, decompressed in small steps and counted, so a bomb stops at the limit instead of filling memory. */
async function* tarStream(data: Buffer): AsyncGenerator<Buffer> {
  if (data.length > ARCHIVE_LIMITS.archiveBytes) {
    throw new StoreError(`the archive is ${mb(data.length)}, more than the ${mb(ARCHIVE_LIMITS.archiveBytes)} a run archive may be`);
  }
  const slices = function* (): Generator<Buffer> {
    for (let i = 0; i < data.length; i += FEED_BYTES) yield data.subarray(i, i + FEED_BYTES);
  };
  if (!(data[0] === 0x1f && data[1] === 0x8b)) {
    yield* slices(); // a plain tar: already bounded by the archive size
    return;
  }
  const source = Readable.from(slices(), { objectMode: false, highWaterMark: FEED_BYTES });
  const gunzip = source.pipe(createGunzip({ chunkSize: 64 * 1024 }));
  let count = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      if (count === 0 && chunk[0] === 0x1f && chunk[1] === 0x8b) throw new StoreError('the archive is compressed twice; a run archive is one gzip layer over a tar');
      count += chunk.length;
      if (count > ARCHIVE_LIMITS.streamBytes) {
        throw new StoreError(`the archive decompresses to more than ${mb(ARCHIVE_LIMITS.streamBytes)}, the limit for a run archive; refusing it as a decompression bomb`);
      }
      yield chunk;
    }
  } finally {
    source.destroy();
    gunzip.destroy();
  }
}

/**
 * Streams the archive through the tar parser, checking every entry header before its data; `onEntry` gets the
 * entry (data flowing synchronously) and returns nothing, or throws to refuse. Any tar warning fails too.
 */
async function walkArchive(data: Buffer, onEntry: (e: ReadEntry, c: Checked) => void): Promise<void> {
  const checks = new EntryChecks();
  let failure: unknown = null;
  const fail = (err: unknown) => { failure ??= err; };
  // zstd off: only the gzip layer above (counted) may decompress; the parser must not open a second one.
  const parser = new Parser({ strict: true, zstd: false });
  let ended = false;
  const settled = new Promise<void>((resolve) => {
    parser.on('end', () => { ended = true; resolve(); });
    parser.on('error', (err: unknown) => { fail(err); resolve(); });
  });
  parser.on('warn', (_code: string, message: string | Error) => fail(message instanceof Error ? message : new Error(String(message))));
  parser.on('entry', (e: ReadEntry) => {
    if (failure) return void e.resume();
    try {
      onEntry(e, checks.check(e));
    } catch (err) {
      fail(err);
      e.resume();
    }
  });
  // After the two end blocks the parser only buffers (quadratically): stop feeding it, and allow only padding after the end.
  let eof = false;
  parser.on('eof', () => { eof = true; });
  let first = true;
  let trailing = 0;
  for await (const chunk of tarStream(data)) {
    if (first && chunk[0] === 0x1f && chunk[1] === 0x8b) throw new StoreError('the archive is compressed twice; a run archive is one gzip layer over a tar');
    first = false;
    if (eof) {
      trailing += chunk.length;
      if (trailing > ARCHIVE_LIMITS.trailingBytes) {
        throw new StoreError(`the archive goes on for more than ${mb(ARCHIVE_LIMITS.trailingBytes)} after its end; refusing it as a possible decompression bomb`);
      }
      continue;
    }
    parser.write(chunk);
    if (failure) break;
  }
  if (!failure) {
    parser.end();
    if (!ended && !failure) await settled;
  }
  if (failure) throw failure;
  if (!ended) throw new StoreError('the archive ended in the middle of an entry');
}

function toStoreError(err: unknown, what: string): StoreError {
  return err instanceof StoreError ? err : new StoreError(`${what}: ${describe(err)}`);
}

/**
 * Checks an archive without unpacking it: one top folder named like a run id, only plain files and folders within the
 * size limits, no absolute paths or `..`, a config.json in the folder. Returns the folder name (the run id it was exported as).
 */
export async function inspectArchive(data: Buffer): Promise<string> {
  const tops = new Set<string>();
  let hasConfig = false;
  let count = 0;
  try {
    await walkArchive(data, (e, c) => {
      count++;
      e.resume();
      if (c.parts.length === 0) return;
      if (c.parts.length === 1 && c.type !== 'Directory') throw new StoreError(`the archive has the file "${c.path}" at its top; expected everything inside one run folder`);
      tops.add(c.parts[0]);
      if (c.parts.length === 2 && c.parts[1] === 'config.json' && c.type !== 'Directory') hasConfig = true;
    });
  } catch (err) {
    throw toStoreError(err, 'this is not a readable .tar.gz run archive');
  }
  if (count === 0) throw new StoreError('the archive is empty: expected one run folder');
  if (tops.size !== 1) throw new StoreError(`the archive holds ${tops.size} top-level folders (${[...tops].slice(0, 5).join(', ')}); expected exactly one run folder`);
  const [top] = tops;
  if (!RunIdSchema.safeParse(top).success) throw new StoreError(`the archive's folder "${top.slice(0, 200)}" is not a run id (letters, digits, _ and - only)`);
  if (!hasConfig) throw new StoreError(`the archive's folder "${top}" has no config.json, so it is not a run`);
  return top;
}

/** Makes each folder of `parts` under `root` (never following a link), mode 0755 whatever the umask. */
function ensureDirs(root: string, parts: readonly string[]): string {
  let dir = root;
  for (const part of parts) {
    dir = path.join(dir, part);
    try {
      mkdirSync(dir, { mode: DIR_MODE });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (!lstatSync(dir).isDirectory()) throw new StoreError(`the archive entry "${parts.join('/')}" is both a file and a folder`);
    chmodSync(dir, DIR_MODE);
  }
  return dir;
}

/**
 * Unpacks an archive that passed inspectArchive into `dir` with our own writer: every entry checked again, files created
 * new (a second entry for the same path is refused), modes fixed at 0644/0755 whatever the archive or the umask says.
 */
export async function unpackArchive(data: Buffer, dir: string): Promise<void> {
  const openFds = new Set<number>();
  try {
    await walkArchive(data, (e, c) => {
      if (c.type === 'Directory') {
        ensureDirs(dir, c.parts);
        e.resume();
        return;
      }
      const parent = ensureDirs(dir, c.parts.slice(0, -1));
      const file = path.join(parent, c.parts[c.parts.length - 1]);
      let fd: number;
      try {
        fd = openSync(file, 'wx', 0o600);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new StoreError(`the archive holds "${c.path}" more than once`);
        throw err;
      }
      openFds.add(fd);
      let written = 0;
      const close = () => { if (openFds.delete(fd)) closeSync(fd); };
      e.on('data', (chunk: Buffer) => {
        if (!openFds.has(fd)) return;
        written += chunk.length;
        if (written > c.size) { close(); throw new StoreError(`the archive entry "${c.path}" holds more than the ${c.size} bytes its header declares`); }
        writeSync(fd, chunk);
      });
      e.on('end', () => {
        if (!openFds.has(fd)) return;
        fchmodSync(fd, FILE_MODE);
        close();
      });
    });
  } catch (err) {
    throw toStoreError(err, 'could not unpack the run archive');
  } finally {
    for (const fd of openFds) closeSync(fd);
  }
}
