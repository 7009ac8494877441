import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { locateDataset, FILE_NAMES } from '../../../electron/engine/data/locate.js';
import { loadFromDir } from '../../../electron/engine/data/dataset.js';
import { DataError } from '../../../electron/engine/data/errors.js';
import type { DataProgress } from '../../../shared/data.js';
import { writeFixtureDataset } from '../../helpers/idxFixtures.js';

let root: string;
let cache: string;
/** What the fake mirrors serve: file name (…ubyte.gz) → bytes. */
let served: Map<string, Uint8Array>;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'fmw-download-'));
  cache = join(root, 'cache');
  const src = join(root, 'upstream');
  await writeFixtureDataset(src, { train: 30, test: 10, gzip: true, seed: 9 });
  served = new Map();
  for (const name of await readdir(src)) served.set(name, new Uint8Array(await readFile(join(src, name))));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

type Handler = (url: string, name: string) => Response | Promise<Response>;
function fakeFetch(handler: Handler): { fetchImpl: typeof fetch; urls: string[] } {
  const urls: string[] = [];
  const fetchImpl = (async (input: string | URL | Request) => {
    const url = String(input);
    urls.push(url);
    return handler(url, basename(new URL(url).pathname));
  }) as typeof fetch;
  return { fetchImpl, urls };
}

const ok = (bytes: Uint8Array) => new Response(bytes as Uint8Array<ArrayBuffer>, { status: 200, headers: { 'content-length': String(bytes.length) } });
const base = () => ({ env: {}, cacheDir: cache, debianDirs: [join(root, 'no-debian')], download: true, strict: false });
const cacheFiles = async () => (existsSync(cache) ? (await readdir(cache)).sort() : []);

describe('download', () => {
  it('fetches the four gz files into the cache with progress, then they load', async () => {
    const progress: DataProgress[] = [];
    const { fetchImpl, urls } = fakeFetch((_url, name) => ok(served.get(name)!));
    const r = await locateDataset({ ...base(), fetchImpl, mirrors: ['https://mirror.test/a/'], onProgress: (p) => progress.push(p) });
    expect(r).toMatchObject({ dir: cache, kind: 'download' });
    expect(urls.sort()).toEqual(Object.values(FILE_NAMES).map((n) => `https://mirror.test/a/${n}.gz`).sort());
    expect(await cacheFiles()).toEqual(Object.values(FILE_NAMES).map((n) => `${n}.gz`).sort());
    for (const name of Object.values(FILE_NAMES)) {
      const last = progress.filter((p) => p.file === `${name}.gz`).at(-1)!;
      const size = served.get(`${name}.gz`)!.length;
      expect(last).toEqual({ file: `${name}.gz`, receivedBytes: size, totalBytes: size, url: `https://mirror.test/a/${name}.gz` });
      expect((await stat(join(cache, `${name}.gz`))).size).toBe(size);
    }
    const ds = await loadFromDir(r.dir, r.kind, { strict: false });
    expect(ds.trainCount).toBe(30);
  });

  it('writes to a temp file and renames: the final name never holds a partial file', async () => {
    const seen: string[][] = [];
    const { fetchImpl } = fakeFetch((_url, name) => {
      const bytes = served.get(name)!;
      const half = Math.floor(bytes.length / 2);
      let step = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(ctl) {
          if (step === 0) ctl.enqueue(bytes.subarray(0, half));
          else if (step === 1) {
            seen.push(await readdir(cache)); // mid-download
            ctl.enqueue(bytes.subarray(half));
          } else ctl.close();
          step++;
        },
      });
      return new Response(body, { status: 200 });
    });
    await locateDataset({ ...base(), fetchImpl, mirrors: ['https://m/'] });
    expect(seen.length).toBe(4);
    const first = seen[0];
    expect(first.some((f) => f.endsWith('.part'))).toBe(true);
    expect(first).not.toContain(`${FILE_NAMES.trainImages}.gz`);
    expect(await cacheFiles()).toEqual(Object.values(FILE_NAMES).map((n) => `${n}.gz`).sort());
  });

  it('falls back to the next mirror after an HTTP error', async () => {
    const { fetchImpl, urls } = fakeFetch((url, name) => (url.startsWith('https://bad/') ? new Response('nope', { status: 503 }) : ok(served.get(name)!)));
    const r = await locateDataset({ ...base(), fetchImpl, mirrors: ['https://bad/', 'https://good/'] });
    expect(r.kind).toBe('download');
    expect(urls.filter((u) => u.startsWith('https://good/'))).toHaveLength(4);
  });

  it('HTTP errors everywhere: a DataError naming each URL and status, nothing cached', async () => {
    const { fetchImpl } = fakeFetch(() => new Response('missing', { status: 404, statusText: 'Not Found' }));
    const err = await locateDataset({ ...base(), fetchImpl, mirrors: ['https://m1/', 'https://m2/'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    const msg = (err as DataError).message;
    expect(msg).toContain(`https://m1/${FILE_NAMES.trainImages}.gz: HTTP 404 Not Found`);
    expect(msg).toContain(`https://m2/${FILE_NAMES.trainImages}.gz: HTTP 404 Not Found`);
    expect(msg).toContain('apt-get install dataset-fashion-mnist');
    expect(await cacheFiles()).toEqual([]);
  });

  it('a truncated gzip body is rejected and nothing is cached, even files that arrived fine', async () => {
    const { fetchImpl } = fakeFetch((_url, name) => {
      const bytes = served.get(name)!;
      return ok(name.startsWith('t10k-images') ? bytes.subarray(0, bytes.length - 200) : bytes);
    });
    const err = await locateDataset({ ...base(), fetchImpl, mirrors: ['https://m/'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toMatch(/t10k-images-idx3-ubyte\.gz: gzip data is truncated/);
    expect(await cacheFiles()).toEqual([]);
  });

  it('a body shorter than its content-length is rejected', async () => {
    const { fetchImpl } = fakeFetch((_url, name) => {
      const bytes = served.get(name)!;
      return new Response(bytes.subarray(0, 100) as Uint8Array<ArrayBuffer>, { status: 200, headers: { 'content-length': String(bytes.length) } });
    });
    const err = await locateDataset({ ...base(), fetchImpl, mirrors: ['https://m/'] }).catch((e: unknown) => e);
    expect((err as DataError).message).toMatch(/download truncated: received 100 of \d+ bytes/);
    expect(await cacheFiles()).toEqual([]);
  });

  it('a connection that drops mid-body leaves nothing behind', async () => {
    const { fetchImpl } = fakeFetch((_url, name) => {
      const bytes = served.get(name)!;
      let sent = false;
      const body = new ReadableStream<Uint8Array>({
        pull(ctl) {
          if (!sent) {
            sent = true;
            ctl.enqueue(bytes.subarray(0, 64));
          } else ctl.error(new Error('socket hang up'));
        },
      });
      return new Response(body, { status: 200 });
    });
    const err = await locateDataset({ ...base(), fetchImpl, mirrors: ['https://m/'] }).catch((e: unknown) => e);
    expect((err as DataError).message).toContain('socket hang up');
    expect(await cacheFiles()).toEqual([]);
  });

  it('strict (the default) verifies downloads as full-size Fashion-MNIST, so fixture bytes are refused', async () => {
    const { fetchImpl } = fakeFetch((_url, name) => ok(served.get(name)!));
    const err = await locateDataset({ ...base(), strict: undefined, fetchImpl, mirrors: ['https://m/'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toMatch(/holds 30 images; the full Fashion-MNIST training file has 60000/);
    expect(await cacheFiles()).toEqual([]);
  });

  it('download is off unless asked for', async () => {
    const { fetchImpl, urls } = fakeFetch((_url, name) => ok(served.get(name)!));
    await expect(locateDataset({ ...base(), download: false, fetchImpl })).rejects.toThrow(/Fashion-MNIST not found/);
    expect(urls).toEqual([]);
  });

  it('only the files missing from the cache are fetched', async () => {
    await mkdir(cache, { recursive: true });
    await writeFile(join(cache, `${FILE_NAMES.trainLabels}.gz`), served.get(`${FILE_NAMES.trainLabels}.gz`)!);
    await writeFile(join(cache, `${FILE_NAMES.testLabels}.gz`), served.get(`${FILE_NAMES.testLabels}.gz`)!);
    const { fetchImpl, urls } = fakeFetch((_url, name) => ok(served.get(name)!));
    const r = await locateDataset({ ...base(), fetchImpl, mirrors: ['https://m/'] });
    expect(r.kind).toBe('download');
    expect(urls.map((u) => basename(u)).sort()).toEqual([`${FILE_NAMES.testImages}.gz`, `${FILE_NAMES.trainImages}.gz`]);
  });
});
