// Engine data layer: fetches missing Fashion-MNIST files from the mirrors into the cache, atomically and verified.
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DataProgress } from '../../../shared/data.js';
import { DataError } from './errors.js';
import { FILE_NAMES, EXPECTED_SHA256, type FileKey } from './files.js';
import { readIdxFile, checkContent, checksumMatches } from './verify.js';

export const DEFAULT_MIRRORS = [
  'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
  'https://storage.googleapis.com/tensorflow/tf-keras-datasets/',
];

export interface DownloadOptions {
  cacheDir: string;
  keys: readonly FileKey[];
  mirrors: readonly string[];
  fetchImpl: typeof fetch;
  strict: boolean;
  onProgress?: (p: DataProgress) => void;
}

/** Progress goes over IPC, so at most one update per interval per file (plus the first and the last). */
const PROGRESS_INTERVAL_MS = 100;

interface Fetched {
  received: number;
  gzip: boolean;
}

async function fetchTo(url: string, tmp: string, file: string, opts: DownloadOptions): Promise<Fetched> {
  const res = await opts.fetchImpl(url);
  if (!res.ok) throw new Error(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  if (!res.body) throw new Error('the response has no body');
  // With a content-encoding the header counts encoded bytes, not what the stream yields.
  const lengthHeader = res.headers.get('content-length');
  const total = lengthHeader !== null && !res.headers.get('content-encoding') ? Number(lengthHeader) : null;
  const fh = await open(tmp, 'w');
  let received = 0;
  let head = -1;
  try {
    let last = Date.now();
    opts.onProgress?.({ file, receivedBytes: 0, totalBytes: total, url });
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (received === 0 && value.length >= 2) head = (value[0] << 8) | value[1];
      for (let off = 0; off < value.length; ) {
        const { bytesWritten } = await fh.write(value, off, value.length - off);
        off += bytesWritten;
      }
      received += value.length;
      const now = Date.now();
      if (now - last >= PROGRESS_INTERVAL_MS) {
        last = now;
        opts.onProgress?.({ file, receivedBytes: received, totalBytes: total, url });
      }
    }
    // Data on disk before the rename makes it visible; a crash then leaves the old state, not a half file.
    await fh.sync();
  } finally {
    await fh.close();
  }
  opts.onProgress?.({ file, receivedBytes: received, totalBytes: total, url });
  if (total !== null && Number.isFinite(total) && received !== total) {
    throw new Error(`download truncated: received ${received} of ${total} bytes`);
  }
  return { received, gzip: head === 0x1f8b };
}

interface Staged {
  tmp: string;
  target: string;
}

async function downloadOne(key: FileKey, opts: DownloadOptions): Promise<Staged> {
  const name = FILE_NAMES[key];
  const file = `${name}.gz`;
  const failures: string[] = [];
  for (const mirror of opts.mirrors) {
    const url = `${mirror.replace(/\/+$/, '')}/${file}`;
    const tmp = join(opts.cacheDir, `.${file}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
    try {
      const { gzip } = await fetchTo(url, tmp, file, opts);
      const idx = await readIdxFile(tmp);
      checkContent(key, idx, opts.strict);
      if (opts.strict && !checksumMatches(key, idx)) {
        throw new Error(`SHA-256 of the decompressed content is ${idx.sha256}, expected ${EXPECTED_SHA256[key]}`);
      }
      // A server that gzip-encodes on the fly hands us raw IDX: store it under the raw name.
      return { tmp, target: join(opts.cacheDir, gzip ? file : name) };
    } catch (err) {
      await rm(tmp, { force: true });
      // Verification messages name the temp file, which is gone by now: say which URL instead.
      const msg = (err instanceof Error ? err.message : String(err))
        .replace(`${tmp}: `, '')
        .replace(/ Delete it and fetch the file again\.$/, '')
        .split(tmp)
        .join('the downloaded file');
      failures.push(`${url}: ${msg}`);
    }
  }
  throw new DataError(`could not download ${file} from any mirror:\n  ${failures.join('\n  ')}`, file);
}

/**
 * Downloads every key into temp files first and renames only when all of them verified, so a failed
 * download leaves the cache exactly as it was. Returns the final paths.
 */
export async function downloadFiles(opts: DownloadOptions): Promise<string[]> {
  await mkdir(opts.cacheDir, { recursive: true });
  const staged: Staged[] = [];
  try {
    for (const key of opts.keys) staged.push(await downloadOne(key, opts));
  } catch (err) {
    await Promise.all(staged.map((s) => rm(s.tmp, { force: true })));
    throw err;
  }
  for (const s of staged) await rename(s.tmp, s.target);
  return staged.map((s) => s.target);
}
