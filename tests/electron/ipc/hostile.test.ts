// Hostile input on the desktop side: oversized IPC payloads, dialog answers that are not what they seem, and a hostile
// run archive imported through IPC and through the open dialog (the same engine checks as every other import).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync, closeSync, openSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_RUN_ARCHIVE_BASE64, MAX_RUN_ARCHIVE_BYTES, channelOf } from '../../../shared/api.js';
import { bindIpc } from '../../../electron/ipc/bind.js';
import { chooseDataDir, dialogOverrides, importRunFromDialog, saveThroughDialog, type FileDialogs } from '../../../electron/ipc/files.js';
import { createUrlCheck } from '../../../electron/ipc/sender.js';
import { createWorkbench, type Workbench } from '../../../electron/engine/workbench.js';
import { APP_PAGE, FakeIpcMain, fakeWorkbench } from '../fakes.js';
import { sampleConfig } from '../../engine/runs/fixtures/sample.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fmw-hostile-ipc-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const answering = (answer: string | null): FileDialogs => ({ saveFile: async () => answer, openFile: async () => answer, openFolder: async () => answer });

function bound(wb = fakeWorkbench()) {
  const ipcMain = new FakeIpcMain();
  bindIpc({ ipcMain, handlers: wb.handlers, isTrustedSender: createUrlCheck(['app://workbench/']), overrides: dialogOverrides(wb.handlers, answering(null)) });
  return { ipcMain, wb };
}

describe('IPC payload bounds', () => {
  it('refuses an archive payload above the import limit before the engine sees it, naming the limit', async () => {
    const { ipcMain, wb } = bound();
    const reply = await ipcMain.invoke(channelOf('importRun'), APP_PAGE, { archive: 'A'.repeat(MAX_RUN_ARCHIVE_BASE64 + 4) });
    expect(reply.ok).toBe(false);
    expect(reply.error.message).toMatch(/Invalid importRun request: field "archive": a run archive may be at most 256 MiB/);
    expect(wb.calls.importRun).not.toHaveBeenCalled();
  });

  it('refuses oversized strings, arrays and numbers in every request that carries them', async () => {
    const { ipcMain, wb } = bound();
    const model = { name: 'm', inputShape: [784], layers: [{ type: 'Dense', units: 10 }] };
    const hyper = { learningRate: 0.01, batchSize: 32, epochs: 1 };
    const cases: Array<[string, unknown, RegExp]> = [
      ['setSettings', { dataDir: `/${'a'.repeat(50 * 1024 * 1024)}` }, /"dataDir"/],
      ['renameRun', { runId: 'r1', name: 'n'.repeat(201) }, /"name"/],
      ['tagRun', { runId: 'r1', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, /"tags"/],
      ['tagRun', { runId: 'r1', tags: ['t'.repeat(41)] }, /"tags\[0\]"/],
      ['getRun', { runId: 'r'.repeat(129) }, /"runId"/],
      ['getRun', { runId: '../etc' }, /"runId"/],
      ['getRunEvents', { runId: 'r1', since: 1e15 }, /"since"/],
      ['getImages', { split: 'test', indices: Array.from({ length: 2001 }, () => 0) }, /"indices"/],
      ['exportReport', { runIds: ['r1'], title: 't'.repeat(201) }, /"title"/],
      ['exportReport', { runIds: Array.from({ length: 41 }, (_, i) => `r${i}`) }, /"runIds"/],
      ['startRun', { name: 'n'.repeat(201), model, hyper }, /"name"/],
      ['startRun', { model: { ...model, name: 'm'.repeat(121) }, hyper }, /"model.name"/],
      ['startRun', { model: { ...model, layers: [{ type: 'Dense', units: 1e9 }] }, hyper }, /"model.layers\[0\].units"/],
      ['startRun', { model: { ...model, layers: Array.from({ length: 65 }, () => ({ type: 'Dense', units: 10 })) }, hyper }, /"model.layers"/],
      ['startRun', { model: { ...model, inputShape: [28, 28, 1], layers: [{ type: 'Conv2D', filters: 8, kernelSize: 1e6 }] }, hyper }, /kernelSize/],
      ['startRun', { model, hyper: { ...hyper, earlyStopping: { minDelta: 1e300 } } }, /minDelta/],
      ['startRun', { model, hyper: { ...hyper, learningRate: Infinity } }, /learningRate/],
      ['startRun', { model, hyper: { ...hyper, seed: 2 ** 40 } }, /seed/],
      ['startRun', { model, hyper, tags: ['x'.repeat(41)] }, /tags/],
      ['startRun', { model, hyper, repeat: 21 }, /repeat/],
    ];
    for (const [name, payload, field] of cases) {
      const reply = await ipcMain.invoke(channelOf(name as 'getRun'), APP_PAGE, payload);
      expect(reply.ok, `${name} ${JSON.stringify(payload).slice(0, 80)}`).toBe(false);
      expect(reply.error.code).toBe('INVALID_REQUEST');
      expect(reply.error.message).toMatch(field);
      expect(wb.calls[name]).not.toHaveBeenCalled();
    }
  });
});

describe('file dialog answers are checked, not trusted', () => {
  it('import: refuses a folder, a FIFO, a device, an empty or oversized file and a relative path, quickly and by name', async () => {
    const wb = fakeWorkbench();
    const fifo = path.join(dir, 'pipe.tar.gz');
    execFileSync('mkfifo', [fifo]);
    const big = path.join(dir, 'huge.tar.gz');
    closeSync(openSync(big, 'w'));
    truncateSync(big, MAX_RUN_ARCHIVE_BYTES + 1); // sparse: costs no disk, and must never be read
    const empty = path.join(dir, 'empty.tar.gz');
    writeFileSync(empty, '');
    mkdirSync(path.join(dir, 'folder.tar.gz'));
    const cases: Array<[string, RegExp]> = [
      [path.join(dir, 'folder.tar.gz'), /it is a folder, not a run archive/],
      [fifo, /it is a pipe \(FIFO\), not a run archive/],
      ['/dev/zero', /it is a device, not a run archive/],
      [empty, /it is empty/],
      [big, /it is 256 MiB; a run archive may be at most 256 MiB/],
      ['relative/run.tar.gz', /unusable path/],
      [`${dir}/\0x`, /unusable path/],
    ];
    for (const [file, message] of cases) {
      const started = Date.now();
      await expect(importRunFromDialog(wb.handlers, answering(file))).rejects.toThrow(message);
      expect(Date.now() - started).toBeLessThan(2000);
    }
    expect(wb.calls.importRun).not.toHaveBeenCalled();
  });

  it('data folder: refuses a missing folder, a file and a relative path without touching the settings', async () => {
    const wb = fakeWorkbench();
    writeFileSync(path.join(dir, 'file'), 'x');
    await expect(chooseDataDir(wb.handlers, answering(path.join(dir, 'missing')))).rejects.toThrow(/does not exist/);
    await expect(chooseDataDir(wb.handlers, answering(path.join(dir, 'file')))).rejects.toThrow(/it is a file, not a folder/);
    await expect(chooseDataDir(wb.handlers, answering('data'))).rejects.toThrow(/unusable path/);
    expect(wb.calls.setSettings).not.toHaveBeenCalled();
  });

  it('save: never replaces a folder, a FIFO or a device with the export, and refuses a relative path', async () => {
    const fifo = path.join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    mkdirSync(path.join(dir, 'folder'));
    const save = (target: string) => saveThroughDialog(async () => ({ fileName: 'r.tar.gz', archive: 'AAAA' }), answering(target), { title: 't', filters: [], fallbackName: 'x' })({});
    await expect(save(fifo)).rejects.toThrow(/it is a pipe \(FIFO\)/);
    await expect(save(path.join(dir, 'folder'))).rejects.toThrow(/it is a folder/);
    await expect(save('/dev/null')).rejects.toThrow(/it is a device/);
    await expect(save('out.tar.gz')).rejects.toThrow(/unusable path/);
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['folder', 'pipe']);
    // A link is replaced itself, never the file it points to.
    writeFileSync(path.join(dir, 'target'), 'keep');
    symlinkSync(path.join(dir, 'target'), path.join(dir, 'link.tar.gz'));
    await save(path.join(dir, 'link.tar.gz'));
    expect(statSync(path.join(dir, 'target')).size).toBe(4);
  });
});

describe('a hostile run archive through IPC and through the open dialog', () => {
  let base: string;
  let wb: Workbench;
  beforeEach(async () => {
    base = mkdtempSync(path.join(os.tmpdir(), 'fmw-hostile-wb-'));
    wb = await createWorkbench({ runsDir: path.join(base, 'runs'), appDataDir: path.join(base, 'app'), mode: 'electron', env: {}, strictData: false });
  });
  afterEach(async () => {
    await wb.close();
    rmSync(base, { recursive: true, force: true });
  });

  function archive(id: string, extra: HeaderSpec[] = []): Buffer {
    const config = Buffer.from(JSON.stringify(sampleConfig(id)));
    const blocks: Buffer[] = [];
    for (const [spec, data] of [[{ path: `${id}/`, type: 'Directory', mode: 0o7777 }, null], [{ path: `${id}/config.json`, mode: 0o6755, size: config.length }, config], [{ path: `${id}/tool`, mode: 0o4755, size: 3 }, Buffer.from('x\ny')], ...extra.map((e) => [e, null])] as Array<[HeaderSpec, Buffer | null]>) {
      const h = new Header({ type: 'File', uid: 0, gid: 0, mtime: new Date(0), size: 0, ...spec });
      h.encode();
      blocks.push(h.block!);
      if (data) blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
    }
    return gzipSync(Buffer.concat([...blocks, Buffer.alloc(1024)]));
  }

  it('stores setuid and exec files as 0644 and refuses devices and links, the same whichever way it arrives', async () => {
    const ipcMain = new FakeIpcMain();
    const file = path.join(base, 'drop.tar.gz');
    let answer: string | null = null;
    const dialogs: FileDialogs = { saveFile: async () => null, openFile: async () => answer, openFolder: async () => null };
    bindIpc({ ipcMain, handlers: wb.handlers, isTrustedSender: createUrlCheck(['app://workbench/']), overrides: dialogOverrides(wb.handlers, dialogs) });

    // From the renderer, base64 in the payload.
    const viaPayload = await ipcMain.invoke(channelOf('importRun'), APP_PAGE, { archive: archive('ipc1').toString('base64') });
    expect(viaPayload).toEqual({ ok: true, result: { runId: 'ipc1' } });
    // From the open dialog ('' asks for a file).
    writeFileSync(file, archive('dlg1'));
    answer = file;
    const viaDialog = await ipcMain.invoke(channelOf('importRun'), APP_PAGE, { archive: '' });
    expect(viaDialog).toEqual({ ok: true, result: { runId: 'dlg1' } });
    for (const id of ['ipc1', 'dlg1']) {
      const runDir = path.join(wb.store.root, id);
      expect((statSync(runDir).mode & 0o7777).toString(8)).toBe('755');
      for (const name of ['config.json', 'tool']) expect((statSync(path.join(runDir, name)).mode & 0o7777).toString(8), `${id}/${name}`).toBe('644');
    }

    const before = readdirSync(wb.store.root).sort();
    const hostile: Array<[HeaderSpec, RegExp]> = [
      [{ path: 'bad/null', type: 'CharacterDevice', devmaj: 1, devmin: 3 }, /"bad\/null" is a CharacterDevice/],
      [{ path: 'bad/sda', type: 'BlockDevice', devmaj: 8, devmin: 0 }, /"bad\/sda" is a BlockDevice/],
      [{ path: 'bad/fifo', type: 'FIFO' }, /"bad\/fifo" is a FIFO/],
      [{ path: 'bad/link', type: 'SymbolicLink', linkpath: '/etc/shadow' }, /"bad\/link" is a SymbolicLink/],
      [{ path: 'bad/hard', type: 'Link', linkpath: '/etc/shadow' }, /"bad\/hard" is a Link/],
    ];
    for (const [spec, message] of hostile) {
      const bytes = archive('bad', [spec]);
      const reply = await ipcMain.invoke(channelOf('importRun'), APP_PAGE, { archive: bytes.toString('base64') });
      expect(reply.ok).toBe(false);
      expect(reply.error.message).toMatch(message);
      writeFileSync(file, bytes);
      const replyDialog = await ipcMain.invoke(channelOf('importRun'), APP_PAGE, { archive: '' });
      expect(replyDialog.error.message).toMatch(message);
      expect(readdirSync(wb.store.root).sort()).toEqual(before);
    }
  });
});

type HeaderSpec = ConstructorParameters<typeof Header>[0] & object;
