// Dialog-backed requests of the desktop shell: run archives saved/loaded through (faked) native dialogs.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseDataDir, dialogOverrides, importRunFromDialog, saveThroughDialog, type FileDialogs } from '../../../electron/ipc/files.js';
import { fakeWorkbench } from '../fakes.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fmw-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function dialogsAnswering(answer: string | null): FileDialogs & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    saveFile: async (o) => (asked.push(`save:${o.defaultName}`), answer),
    openFile: async (o) => (asked.push(`open:${o.title}`), answer),
    openFolder: async (o) => (asked.push(`folder:${o.title}`), answer),
  };
}

describe('exportRun in the desktop shell', () => {
  it('saves the archive where the user chose and tells the renderer there is nothing left to save', async () => {
    const wb = fakeWorkbench();
    const bytes = Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]);
    wb.calls.exportRun.mockResolvedValue({ fileName: 'seed-cnn.tar.gz', archive: bytes.toString('base64') });
    const target = path.join(dir, 'chosen.tar.gz');
    const dialogs = dialogsAnswering(target);
    const result = await dialogOverrides(wb.handlers, dialogs).exportRun!({ runId: 'run-1' });
    expect(result).toEqual({ fileName: target, archive: '' });
    expect(readFileSync(target)).toEqual(bytes);
    expect(dialogs.asked).toEqual(['save:seed-cnn.tar.gz']);
    expect(readdirSync(dir)).toEqual(['chosen.tar.gz']); // no temp file left behind
  });

  it('writes nothing when the user cancels', async () => {
    const wb = fakeWorkbench();
    wb.calls.exportRun.mockResolvedValue({ fileName: 'a.tar.gz', archive: 'AAAA' });
    const result = await dialogOverrides(wb.handlers, dialogsAnswering(null)).exportRun!({ runId: 'run-1' });
    expect(result).toEqual({ fileName: '', archive: '' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports a folder it cannot write to by name', async () => {
    const wb = fakeWorkbench();
    wb.calls.exportRun.mockResolvedValue({ fileName: 'a.tar.gz', archive: 'AAAA' });
    const target = path.join(dir, 'missing-folder', 'a.tar.gz');
    await expect(dialogOverrides(wb.handlers, dialogsAnswering(target)).exportRun!({ runId: 'run-1' }))
      .rejects.toThrow(`Could not save ${target}`);
  });
});

describe('importRun in the desktop shell', () => {
  it('with an empty archive, asks for a file and imports its bytes', async () => {
    const wb = fakeWorkbench();
    wb.calls.importRun.mockResolvedValue({ runId: 'imported-1' });
    const file = path.join(dir, 'run.tar.gz');
    writeFileSync(file, Buffer.from('archive bytes'));
    const result = await dialogOverrides(wb.handlers, dialogsAnswering(file)).importRun!({ archive: '' });
    expect(result).toEqual({ runId: 'imported-1' });
    expect(wb.calls.importRun).toHaveBeenCalledWith({ archive: Buffer.from('archive bytes').toString('base64') });
  });

  it('with an archive given, passes it straight to the engine without a dialog', async () => {
    const wb = fakeWorkbench();
    wb.calls.importRun.mockResolvedValue({ runId: 'r' });
    const dialogs = dialogsAnswering('/never');
    await dialogOverrides(wb.handlers, dialogs).importRun!({ archive: 'QUJD' });
    expect(wb.calls.importRun).toHaveBeenCalledWith({ archive: 'QUJD' });
    expect(dialogs.asked).toEqual([]);
  });

  it('rejects with "Import cancelled" when no file is chosen', async () => {
    const wb = fakeWorkbench();
    await expect(dialogOverrides(wb.handlers, dialogsAnswering(null)).importRun!({ archive: '' })).rejects.toThrow('Import cancelled');
    expect(await importRunFromDialog(wb.handlers, dialogsAnswering(null))).toBeNull();
    expect(wb.calls.importRun).not.toHaveBeenCalled();
  });

  it('names an unreadable file', async () => {
    const wb = fakeWorkbench();
    const missing = path.join(dir, 'gone.tar.gz');
    await expect(importRunFromDialog(wb.handlers, dialogsAnswering(missing))).rejects.toThrow(missing);
  });
});

describe('chooseDataDir', () => {
  it('stores the chosen folder in the settings', async () => {
    const wb = fakeWorkbench();
    const settings = { dataDir: dir, theme: 'system' as const, maxConcurrentRuns: 2 };
    wb.calls.setSettings.mockResolvedValue(settings);
    expect(await chooseDataDir(wb.handlers, dialogsAnswering(`${dir}/`))).toEqual({ cancelled: false, settings });
    expect(wb.calls.setSettings).toHaveBeenCalledWith({ dataDir: dir });
  });

  it('leaves the settings alone when cancelled', async () => {
    const wb = fakeWorkbench();
    const settings = { dataDir: null, theme: 'dark' as const, maxConcurrentRuns: 1 };
    wb.calls.getSettings.mockResolvedValue(settings);
    expect(await chooseDataDir(wb.handlers, dialogsAnswering(null))).toEqual({ cancelled: true, settings });
    expect(wb.calls.setSettings).not.toHaveBeenCalled();
  });
});

describe('saveThroughDialog (exportRun today, exportReport when the contract has it)', () => {
  it('saves whichever base64 field the response carries, under the suggested base name', async () => {
    const pdf = Buffer.from('%PDF-1.7 fake');
    const target = path.join(dir, 'report.pdf');
    const dialogs = dialogsAnswering(target);
    const save = saveThroughDialog(async () => ({ fileName: '../../etc/ANN-vs-CNN.pdf', pdf: pdf.toString('base64'), pages: 12 }), dialogs, {
      title: 'Export report', filters: [], fallbackName: 'report.pdf',
    });
    expect(await save({})).toEqual({ fileName: target, pdf: '', pages: 12 });
    expect(readFileSync(target)).toEqual(pdf);
    expect(dialogs.asked).toEqual(['save:ANN-vs-CNN.pdf']);
  });

  it('passes through a response with nothing to save', async () => {
    const dialogs = dialogsAnswering('/never');
    const save = saveThroughDialog(async () => ({ path: '/already/saved.pdf' }), dialogs, { title: 't', filters: [], fallbackName: 'x' });
    expect(await save({})).toEqual({ path: '/already/saved.pdf' });
    expect(dialogs.asked).toEqual([]);
  });
});
