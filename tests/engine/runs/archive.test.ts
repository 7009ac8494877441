// Export and import of a run as one .tar.gz, and archives that must be refused before anything is unpacked.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { create } from 'tar';
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
