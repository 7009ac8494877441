// Atomic replace and tolerant JSON-lines reading: the two primitives the run store's crash safety rests on.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJsonLines, writeFileAtomic } from '../../../electron/engine/runs/atomic.js';
import { StoreError } from '../../../electron/engine/runs/errors.js';
import { RunStore } from '../../../electron/engine/runs/store.js';
import { exited, spawnFixture } from './fixtures/child.js';
import { sampleConfig } from './fixtures/sample.js';

let dir: string;
beforeEach(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fmw-atomic-')); });
afterEach(async () => { await fs.rm(dir, { recursive: true, force: true }); });

describe('writeFileAtomic', () => {
  it('replaces the content and leaves no temp file behind', async () => {
    const file = path.join(dir, 'a.json');
    await writeFileAtomic(file, 'old');
    await writeFileAtomic(file, new Uint8Array([110, 101, 119])); // "new"
    expect(await fs.readFile(file, 'utf8')).toBe('new');
    expect(await fs.readdir(dir)).toEqual(['a.json']);
  });

  it('keeps the old file when the write fails before the rename, and cleans its temp file', async () => {
    const file = path.join(dir, 'a.json');
    await writeFileAtomic(file, 'old');
    let temp = '';
    const failing = writeFileAtomic(file, 'new', {
      beforeRename: async (t) => {
        temp = t;
        expect(await fs.readFile(t, 'utf8')).toBe('new'); // the new content was complete on disk
        throw new Error('simulated crash');
      },
    });
    await expect(failing).rejects.toThrow(StoreError);
    await expect(failing).rejects.toThrow(/a\.json: simulated crash/);
    expect(await fs.readFile(file, 'utf8')).toBe('old');
    expect(path.dirname(temp)).toBe(dir);
    expect(await fs.readdir(dir)).toEqual(['a.json']);
  });

  it('keeps the old file when the process is SIGKILLed between write and rename; the store sweeps the orphan', async () => {
    const store = new RunStore(dir);
    await store.create(sampleConfig('r1'));
    const file = path.join(dir, 'r1', 'metrics.json');
    await fs.writeFile(file, 'OLD CONTENT');
    const child = spawnFixture('crash-during-write.ts', [file]);
    const { signal } = await exited(child);
    expect(signal).toBe('SIGKILL');
    expect(await fs.readFile(file, 'utf8')).toBe('OLD CONTENT');
    const orphans = (await fs.readdir(path.join(dir, 'r1'))).filter((n) => n.includes('.tmp-'));
    expect(orphans).toHaveLength(1);
    expect(await fs.readFile(path.join(dir, 'r1', orphans[0]), 'utf8')).toBe('NEW CONTENT');
    await store.markInterrupted();
    expect((await fs.readdir(path.join(dir, 'r1'))).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('reports the path when the folder does not exist', async () => {
    await expect(writeFileAtomic(path.join(dir, 'missing', 'a.json'), 'x')).rejects.toThrow(/missing\/a\.json/);
  });
});

describe('readJsonLines', () => {
  it('skips and reports a torn last line', async () => {
    const file = path.join(dir, 'log.jsonl');
    await fs.writeFile(file, '{"a":1}\n{"a":2}\n{"a":3,"b":[1,2');
    const { records, warnings } = await readJsonLines(file);
    expect(records).toEqual([{ a: 1 }, { a: 2 }]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/line 3: torn last line/);
  });

  it('skips and reports a bad line in the middle, keeping the records after it', async () => {
    const file = path.join(dir, 'log.jsonl');
    await fs.writeFile(file, '{"a":1}\nnot json\n\n{"a":2}\n');
    const { records, warnings } = await readJsonLines(file);
    expect(records).toEqual([{ a: 1 }, { a: 2 }]);
    expect(warnings).toEqual([expect.stringMatching(/line 2: unreadable line/)]);
  });

  it('accepts a complete last line without its newline, and reads a missing file as empty', async () => {
    const file = path.join(dir, 'log.jsonl');
    await fs.writeFile(file, '{"a":1}\n{"a":2}');
    expect(await readJsonLines(file)).toEqual({ records: [{ a: 1 }, { a: 2 }], warnings: [] });
    expect(await readJsonLines(path.join(dir, 'none.jsonl'))).toEqual({ records: [], warnings: [] });
  });
});
