// Export and import of a run as one .tar.gz, and archives that must be refused before anything is unpacked.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync, createGzip } from 'node:zlib';
import { create, Header, Pax, type HeaderData } from 'tar';
import { ARCHIVE_LIMITS, RUN_FILE_LIMITS } from '../../../electron/engine/runs/archive.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunStore } from '../../../electron/engine/runs/store.js';
import { epochEnd, sampleConfig, trainBegin, trainEnd } from './fixtures/sample.js';

let tmp: string;
let a: RunStore;
let b: RunStore;
beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'fmw-archive-'));
  a = new RunStore(path.join(tmp, 'a'));
  b = new RunStore(path.join(tmp, 'b'));
});
afterEach(async () => { await fs.rm(tmp, { recursive: true, force: true }); });

async function run(store: RunStore, id: string, end = true) {
  const config = sampleConfig(id, 'exported run');
  await store.create(config);
  await store.appendEvent(id, trainBegin(config, 2));
  await store.appendEvent(id, epochEnd(id, 0));
  await store.appendEvent(id, epochEnd(id, 1));
  if (end) await store.appendEvent(id, trainEnd(id));
  await store.setTags(id, ['shared']);
}

/** A gzipped tar of `entries` (paths relative to `cwd`, kept verbatim, `..` and absolute paths included). */
async function craft(cwd: string, entries: string[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of create({ gzip: true, cwd, preservePaths: true }, entries)) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

describe('export → import', () => {
  it('round-trips a run into another store under the same id', async () => {
    await run(a, 'r1');
    const { fileName, data } = await a.exportArchive('r1');
    expect(fileName).toBe('r1.tar.gz');
    expect(data.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b])); // gzip magic
    expect(await b.importArchive(data)).toBe('r1');
    const [src, dst] = [await a.get('r1'), await b.get('r1')];
    expect(dst).toEqual(src);
    expect(dst.summary).toMatchObject({ status: 'finished', tags: ['shared'], epochsDone: 2 });
  });

  it('imports under a new id when the id is taken, rewriting the id in config and events', async () => {
    await run(a, 'r1');
    const { data } = await a.exportArchive('r1');
    const id = await a.importArchive(data);
    expect(id).not.toBe('r1');
    expect(id).toMatch(/-exported-run-[0-9a-f]{6}$/);
    const detail = await a.get(id);
    expect(detail.config?.id).toBe(id);
    expect(detail.begin?.runId).toBe(id);
    expect(detail.begin?.config.id).toBe(id);
    const { events } = await a.events(id);
    expect(events.every((e) => e.runId === id)).toBe(true);
    expect(JSON.parse(await fs.readFile(path.join(a.root, id, 'meta.json'), 'utf8'))).toMatchObject({ importedFrom: 'r1', tags: ['shared'] });
    expect((await a.list()).map((r) => r.id).sort()).toEqual([id, 'r1'].sort());
    expect((await fs.readdir(a.root)).filter((n) => n.startsWith('.'))).toEqual([]); // no import leftovers
  });

  it('marks a run exported while still training as interrupted on import', async () => {
    await run(a, 'r1', false);
    const id = await b.importArchive((await a.exportArchive('r1')).data);
    const detail = await b.get(id);
    expect(detail.summary.status).toBe('interrupted');
    expect(detail.summary.reason).toMatch(/imported while running/);
    expect(detail.epochs).toHaveLength(2);
  });
});

describe('refused archives', () => {
  it('rejects entries that climb out with .. and writes nothing outside', async () => {
    const work = path.join(tmp, 'craft');
    await fs.mkdir(path.join(work, 'r1'), { recursive: true });
    await fs.writeFile(path.join(work, 'r1', 'config.json'), JSON.stringify(sampleConfig('r1')));
    await fs.writeFile(path.join(tmp, 'evil.txt'), 'pwned');
    const data = await craft(work, ['r1', '../evil.txt']);
    await fs.rm(path.join(tmp, 'evil.txt'));
    await expect(b.importArchive(data)).rejects.toThrow(/"\.\.\/evil\.txt" climbs out of its folder/);
    await expect(fs.stat(path.join(tmp, 'evil.txt'))).rejects.toThrow();
    expect(await b.list()).toEqual([]);
  });

  it('rejects absolute paths, links, several folders, loose files, no config and non-archives', async () => {
    const work = path.join(tmp, 'craft');
    for (const d of ['r1', 'r2', 'noconf']) await fs.mkdir(path.join(work, d), { recursive: true });
    await fs.writeFile(path.join(work, 'r1', 'config.json'), JSON.stringify(sampleConfig('r1')));
    await fs.writeFile(path.join(work, 'r2', 'config.json'), JSON.stringify(sampleConfig('r2')));
    await fs.writeFile(path.join(work, 'noconf', 'events.jsonl'), '');
    await fs.writeFile(path.join(work, 'loose.txt'), 'x');
    await fs.symlink('/etc/passwd', path.join(work, 'r1', 'link'));

    await expect(b.importArchive(await craft(work, [path.join(work, 'r2')]))).rejects.toThrow(/absolute or Windows path/);
    await expect(b.importArchive(await craft(work, ['r1']))).rejects.toThrow(/"r1\/link" is a SymbolicLink/);
    await fs.rm(path.join(work, 'r1', 'link'));
    await expect(b.importArchive(await craft(work, ['r1', 'r2']))).rejects.toThrow(/2 top-level folders/);
    await expect(b.importArchive(await craft(work, ['loose.txt']))).rejects.toThrow(/file "loose.txt" at its top/);
    await expect(b.importArchive(await craft(work, ['noconf']))).rejects.toThrow(/has no config\.json/);
    await expect(b.importArchive(Buffer.from('definitely not a tarball'))).rejects.toThrow(/not a readable .tar.gz|empty/);
    await fs.writeFile(path.join(work, 'r1', 'config.json'), '{"id": "r1"}');
    await expect(b.importArchive(await craft(work, ['r1']))).rejects.toThrow(/config\.json does not match its schema/);
    expect(await b.list()).toEqual([]);
    expect(await fs.readdir(b.root)).toEqual([]); // every refused import cleaned up after itself
  });
});

// ---- Hostile archives, built header by header (node-tar will not write devices, FIFOs or lying modes) ----

type Spec = HeaderData & { data?: Buffer | string };

function header(spec: Spec): Buffer {
  const { data: _data, ...rest } = spec;
  const data: HeaderData = { mode: 0o644, uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: new Date(1e12), type: 'File', ...rest };
  const h = new Header(data);
  // A name too long for the ustar fields travels in a pax header first, as real tars do.
  return h.encode() ? Buffer.concat([new Pax(data).encode(), h.block!]) : h.block!;
}

function pad(n: number): Buffer {
  return Buffer.alloc((512 - (n % 512)) % 512);
}

/** A plain tar of `specs` (header, data, padding each), with the two end blocks. */
function tarOf(specs: Spec[]): Buffer {
  const parts: Buffer[] = [];
  for (const spec of specs) {
    const data = spec.data === undefined ? Buffer.alloc(0) : Buffer.from(spec.data);
    parts.push(header({ size: data.length, ...spec }), data, pad(data.length));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

const tgz = (specs: Spec[]): Buffer => gzipSync(tarOf(specs));
const configOf = (id: string) => JSON.stringify(sampleConfig(id));
const runFolder = (id = 'r1'): Spec[] => [{ path: `${id}/`, type: 'Directory', mode: 0o755 }, { path: `${id}/config.json`, data: configOf(id) }];

/** Every path under `dir` with its mode, type and size: the store must look exactly the same after a refusal. */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(d, e.name);
      const st = await fs.lstat(full);
      out.push(`${path.relative(dir, full)} ${(st.mode & 0o7777).toString(8)} ${e.isDirectory() ? 'dir' : st.size}`);
      if (e.isDirectory()) await walk(full);
    }
  };
  await walk(dir);
  return out.sort();
}

/** Peak RSS growth while `fn` runs, sampled every 5 ms (the import yields between decompressed chunks). */
async function peakRssGrowth<T>(fn: () => Promise<T>): Promise<{ result: PromiseSettledResult<T>; growthMb: number }> {
  global.gc?.();
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 5);
  const [result] = await Promise.allSettled([fn()]);
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage.rss());
  return { result, growthMb: (peak - base) / 1024 ** 2 };
}

/** Gzips the buffers `parts` yields (level 1: fast, still ~1000:1 on repeats) without holding more than one of them. */
async function gzipStream(parts: Iterable<Buffer>): Promise<Buffer> {
  const gz = createGzip({ level: 1 });
  const chunks: Buffer[] = [];
  gz.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((r) => gz.on('end', r));
  for (const part of parts) if (!gz.write(part)) await new Promise((r) => gz.once('drain', r));
  gz.end();
  await ended;
  return Buffer.concat(chunks);
}

function* repeat(buf: Buffer, times: number): Generator<Buffer> {
  for (let i = 0; i < times; i++) yield buf;
}

describe('hostile archives', () => {
  let before: string[];
  beforeEach(async () => {
    await run(b, 'r0');
    before = await snapshot(b.root);
  });

  /** Import must fail with `message`, and leave the store (and the folder around it) exactly as it was. */
  async function refused(data: Buffer, message: RegExp): Promise<void> {
    await expect(b.importArchive(data)).rejects.toThrow(message);
    expect(await snapshot(b.root)).toEqual(before);
    expect((await fs.readdir(tmp)).sort()).toEqual(['b']);
  }

  it('stores files 0644 and folders 0755 whatever modes the archive claims and whatever the umask (setuid, setgid, sticky, exec)', async () => {
    const id = await fs.readFile('/usr/bin/id').catch(() => Buffer.from('#!/bin/sh\nid\n'));
    const hostile = (run: string): Spec[] => [
      { path: `${run}/`, type: 'Directory', mode: 0o7777 },
      { path: `${run}/config.json`, data: configOf(run), mode: 0o6755 },
      { path: `${run}/id`, data: id, mode: 0o6755 },
      { path: `${run}/run.sh`, data: '#!/bin/sh\necho hi\n', mode: 0o777 },
      { path: `${run}/model/`, type: 'Directory', mode: 0o2777 },
      { path: `${run}/model/weights.bin`, data: Buffer.alloc(100, 1), mode: 0o4711 },
      { path: `${run}/deep/er/file.txt`, data: 'implicit parents', mode: 0o1777 }, // folders without entries of their own
      { path: `${run}/contig.bin`, type: 'ContiguousFile', data: 'c', mode: 0o3755 },
    ];
    for (const [umask, name] of [[0o000, 'u1'], [0o077, 'u2'], [0o022, 'u3']] as const) {
      const old = process.umask(umask);
      let imported: string;
      try {
        imported = await b.importArchive(tgz(hostile(name)));
      } finally {
        process.umask(old);
      }
      expect(imported).toBe(name);
      const dir = path.join(b.root, name);
      const modes = (await snapshot(dir)).map((l) => l.split(' ').slice(0, 2).join(' '));
      expect(modes, `umask ${umask.toString(8)}`).toEqual([
        'config.json 644', 'contig.bin 644', 'deep 755', 'deep/er 755', 'deep/er/file.txt 644', 'id 644', 'model 755', 'model/weights.bin 644', 'run.sh 644', 'status.json 644',
      ]);
      expect(((await fs.stat(dir)).mode & 0o7777).toString(8)).toBe('755');
      expect((await fs.readFile(path.join(dir, 'id'))).equals(id)).toBe(true); // contents kept, modes not
      expect((await fs.stat(path.join(dir, 'id'))).uid).toBe(process.getuid!());
    }
  });

  it('refuses links, devices, FIFOs and other special entries, naming the entry', async () => {
    const cases: Array<[Spec, RegExp]> = [
      [{ path: 'r1/link', type: 'SymbolicLink', linkpath: '/etc/passwd' }, /"r1\/link" is a SymbolicLink to "\/etc\/passwd"/],
      [{ path: 'r1/model', type: 'SymbolicLink', linkpath: '/tmp' }, /"r1\/model" is a SymbolicLink/],
      [{ path: 'r1/hard', type: 'Link', linkpath: '/etc/shadow' }, /"r1\/hard" is a Link to "\/etc\/shadow"/],
      [{ path: 'r1/hard2', type: 'Link', linkpath: 'r1/config.json' }, /"r1\/hard2" is a Link/],
      [{ path: 'r1/null', type: 'CharacterDevice', devmaj: 1, devmin: 3, mode: 0o666 }, /"r1\/null" is a CharacterDevice/],
      [{ path: 'r1/disk', type: 'BlockDevice', devmaj: 8, devmin: 0, mode: 0o660 }, /"r1\/disk" is a BlockDevice/],
      [{ path: 'r1/pipe', type: 'FIFO', mode: 0o666 }, /"r1\/pipe" is a FIFO/],
      [{ path: 'r1/dump', type: 'GNUDumpDir' }, /"r1\/dump" is a GNUDumpDir/],
    ];
    for (const [spec, message] of cases) {
      await refused(tgz([...runFolder(), spec]), message);
      await refused(tgz([spec, ...runFolder()]), message); // first or last, same answer
    }
    // A link followed by a file "through" it: refused at the link, nothing written where it points.
    await refused(tgz([...runFolder(), { path: 'r1/out', type: 'SymbolicLink', linkpath: tmp }, { path: 'r1/out/evil.txt', data: 'x' }]), /SymbolicLink/);
  });

  it('refuses paths that leave the folder, control characters, duplicates and file/folder clashes', async () => {
    const cases: Array<[Spec[], RegExp]> = [
      [[...runFolder(), { path: '../evil.txt', data: 'x' }], /climbs out/],
      [[...runFolder(), { path: 'r1/../../evil.txt', data: 'x' }], /climbs out/],
      [[...runFolder(), { path: 'r1/model/../../../evil.txt', data: 'x' }], /climbs out/],
      [[...runFolder(), { path: '/tmp/evil.txt', data: 'x' }], /absolute or Windows path/],
      [[...runFolder(), { path: 'C:/evil.txt', data: 'x' }], /absolute or Windows path/],
      [[...runFolder(), { path: 'r1\\..\\..\\evil.txt', data: 'x' }], /absolute or Windows path/],
      [[...runFolder(), { path: 'r1/a\nb', data: 'x' }], /control characters/],
      [[...runFolder(), { path: 'r1/config.json', data: configOf('r1') }], /holds "r1\/config.json" more than once/],
      [[...runFolder(), { path: 'r1/config.json/x', data: 'x' }], /both a file and a folder|could not unpack/],
      [[...runFolder(), { path: `r1/${'a'.repeat(300)}`, data: 'x' }], /longer than/],
      [[{ path: '../r1/', type: 'Directory' }, { path: '../r1/config.json', data: configOf('r1') }], /climbs out/],
    ];
    for (const [specs, message] of cases) await refused(tgz(specs), message);
    // The same through a pax header, which overrides the ustar name.
    const pax = new Pax({ path: '../../evil.txt' }).encode();
    await refused(gzipSync(Buffer.concat([tarOf(runFolder()).subarray(0, -1024), pax, header({ path: 'r1/ok.txt', size: 1 }), Buffer.from('x'), pad(1), Buffer.alloc(1024)])), /climbs out/);
    await expect(fs.stat(path.join(tmp, '..', 'evil.txt'))).rejects.toThrow();
  });

  it('refuses more entries, a larger file or a larger total than a run may hold, and a second gzip layer', async () => {
    const many: Spec[] = [...runFolder(), ...Array.from({ length: ARCHIVE_LIMITS.entries }, (_, i) => ({ path: `r1/f${i}`, data: '' }))];
    await refused(tgz(many), new RegExp(`more than ${ARCHIVE_LIMITS.entries} entries`));
    // Headers that declare huge files: refused at the header, before any data is read.
    await refused(gzipSync(Buffer.concat([tarOf(runFolder()).subarray(0, -1024), header({ path: 'r1/model/weights.bin', size: 8 * 1024 ** 3 })])), /"r1\/model\/weights.bin" is 8192 MiB, more than the 512 MiB one file/);
    await refused(gzipSync(Buffer.concat([tarOf(runFolder()).subarray(0, -1024), new Pax({ size: 2 ** 40 }).encode(), header({ path: 'r1/pax.bin', size: 1 })])), /more than the 512 MiB|unpacks to more than/);
    // The run's JSON files, read whole when the run is listed or opened, have limits of their own.
    for (const [name, limit] of Object.entries(RUN_FILE_LIMITS)) {
      const big = name === 'config.json' ? 'r1/events.jsonl' : `r1/${name}`;
      const size = name === 'config.json' ? RUN_FILE_LIMITS['events.jsonl'] + 1 : limit + 1;
      await refused(gzipSync(Buffer.concat([tarOf(runFolder()).subarray(0, -1024), header({ path: big, size })])), new RegExp(`more than the \\d+ MiB a run's ${path.basename(big).replace('.', '\\.')} may hold`));
    }
    await refused(gzipSync(Buffer.concat([header({ path: 'r1/config.json', size: 2 * 1024 ** 2 })])), /a run's config\.json may hold/);
    await refused(gzipSync(tgz(runFolder())), /compressed twice/);
    await refused(Buffer.from('definitely not a tarball'), /not a readable .tar.gz|empty/);
    await refused(tgz(runFolder()).subarray(0, 60), /not a readable|unexpected end|ended/);
  });

  it('stops gzip bombs of more than 1 GB while they stream, with bounded memory, naming the limit', async () => {
    const MiB = 1024 ** 2;
    const zeros = Buffer.alloc(4 * MiB);
    const head = tarOf(runFolder()).subarray(0, -1024); // a valid run folder, end blocks cut off
    const bombs: Array<[string, () => Promise<Buffer>, RegExp]> = [
      // 1.25 GiB of zeros after the end blocks: stopped 1 MiB after the end, the rest never decompressed.
      ['trailing zeros', () => gzipStream([tarOf(runFolder()), ...repeat(zeros, 320)]),
        /goes on for more than 1 MiB after its end; refusing it as a possible decompression bomb/],
      // Three 400 MiB files of zeros, each within the per-file limit, 1.2 GiB together: stopped at the third header.
      ['three 400 MiB files', () => gzipStream([head, ...[0, 1, 2].flatMap((i) => [header({ path: `r1/model/w${i}.bin`, size: 400 * MiB }), ...repeat(zeros, 100)])]),
        /unpacks to more than 1024 MiB, the limit for a run archive \(stopped at "r1\/model\/w2.bin"\)/],
      // 1100 pax headers of ~1 MiB each (no entry counts them): stopped by the count of decompressed bytes.
      ['1100 MiB of pax headers', () => gzipStream([head, ...repeat(new Pax({ comment: 'a'.repeat(1_000_000) }).encode(), 1100)]),
        /decompresses to more than 1040 MiB, the limit for a run archive; refusing it as a decompression bomb/],
    ];
    for (const [name, make, message] of bombs) {
      const data = await make();
      expect(data.length, name).toBeLessThan(8 * MiB);
      const { result, growthMb } = await peakRssGrowth(() => b.importArchive(data));
      expect(result.status, name).toBe('rejected');
      expect(String((result as PromiseRejectedResult).reason), name).toMatch(message);
      expect(growthMb, `RSS growth while refusing the ${name} bomb`).toBeLessThan(300);
      expect(await snapshot(b.root), name).toEqual(before);
    }
  }, 120_000);
});
