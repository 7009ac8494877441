// IPC binding with the engine faked at its interface: sender check, schema rejection, happy path, events forwarded.
import { describe, expect, it, vi } from 'vitest';
import { EVENT_CHANNEL, IPC_PREFIX, PushEventSchema, REQUEST_NAMES, channelOf } from '../../../shared/api.js';
import { bindIpc, forwardEvents } from '../../../electron/ipc/bind.js';
import { createUrlCheck } from '../../../electron/ipc/sender.js';
import { APP_PAGE, FakeIpcMain, SAMPLE_EVENT, fakeWorkbench } from '../fakes.js';

function setup(extra: Partial<Parameters<typeof bindIpc>[0]> = {}) {
  const ipcMain = new FakeIpcMain();
  const wb = fakeWorkbench();
  const rejected: string[] = [];
  const unbind = bindIpc({
    ipcMain,
    handlers: wb.handlers,
    isTrustedSender: createUrlCheck(['app://workbench/']),
    onRejected: (_c, reason) => rejected.push(reason),
    ...extra,
  });
  return { ipcMain, wb, unbind, rejected };
}

describe('bindIpc', () => {
  it('registers exactly one channel per contract request, all under the shared prefix', () => {
    const { ipcMain } = setup();
    expect([...ipcMain.channels.keys()].sort()).toEqual(REQUEST_NAMES.map(channelOf).sort());
    for (const channel of ipcMain.channels.keys()) expect(channel.startsWith(IPC_PREFIX)).toBe(true);
  });

  it('passes a valid request to the engine and returns its answer', async () => {
    const { ipcMain, wb } = setup();
    const reply = await ipcMain.invoke(channelOf('renameRun'), APP_PAGE, { runId: 'run-1', name: 'Seed CNN' });
    expect(reply).toEqual({ ok: true, result: { echoed: 'renameRun', request: { runId: 'run-1', name: 'Seed CNN' } } });
    expect(wb.calls.renameRun).toHaveBeenCalledTimes(1);
  });

  it('hands the engine the parsed request: defaults filled, unknown keys dropped, missing payload = {}', async () => {
    const { ipcMain, wb } = setup();
    await ipcMain.invoke(channelOf('getRunEvents'), APP_PAGE, { runId: 'run-1', extra: 'dropped' });
    expect(wb.calls.getRunEvents).toHaveBeenCalledWith({ runId: 'run-1', since: 0 });
    await ipcMain.invoke(channelOf('listRuns'), APP_PAGE);
    expect(wb.calls.listRuns).toHaveBeenCalledWith({});
  });

  it.each([
    ['a remote page', 'https://evil.example/index.html'],
    ['another custom host', 'app://evil/index.html'],
    ['a file page', 'file:///tmp/evil.html'],
    ['a devtools page', 'devtools://devtools/bundled/inspector.html'],
    ['a frame that is gone', null],
  ])('refuses messages from %s before they reach the engine', async (_label, url) => {
    const { ipcMain, wb, rejected } = setup();
    const reply = await ipcMain.invoke(channelOf('deleteRun'), url, { runId: 'run-1' });
    expect(reply.ok).toBe(false);
    expect(reply.error.code).toBe('FORBIDDEN_SENDER');
    expect(reply.error.message).toContain('deleteRun');
    expect(wb.calls.deleteRun).not.toHaveBeenCalled();
    expect(rejected).toHaveLength(1);
  });

  it('rejects a malformed payload with a message naming the request and the field', async () => {
    const { ipcMain, wb } = setup();
    const reply = await ipcMain.invoke(channelOf('deleteRun'), APP_PAGE, { runId: '../../etc/passwd' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(reply.error.message).toMatch(/deleteRun/);
    expect(reply.error.message).toMatch(/"runId"/);
    expect(wb.calls.deleteRun).not.toHaveBeenCalled();
  });

  it('names nested fields by their path', async () => {
    const { ipcMain } = setup();
    const reply = await ipcMain.invoke(channelOf('getImages'), APP_PAGE, { split: 'train', indices: [1, 2, -5] });
    expect(reply.error.message).toContain('"indices[2]"');
  });

  it('rejects a payload that is not an object at all', async () => {
    const { ipcMain, wb } = setup();
    const reply = await ipcMain.invoke(channelOf('tagRun'), APP_PAGE, 'run-1');
    expect(reply.ok).toBe(false);
    expect(reply.error.message).toMatch(/Invalid tagRun request: payload/);
    expect(wb.calls.tagRun).not.toHaveBeenCalled();
  });

  it("returns the engine's own error message and kind, not Electron's wrapper", async () => {
    const { ipcMain, wb } = setup();
    class DataError extends Error {
      override name = 'DataError';
    }
    wb.calls.getDatasetStats.mockRejectedValueOnce(new DataError('train-images-idx3-ubyte.gz: bad magic number 2049'));
    const reply = await ipcMain.invoke(channelOf('getDatasetStats'), APP_PAGE, {});
    expect(reply).toEqual({ ok: false, error: { message: 'train-images-idx3-ubyte.gz: bad magic number 2049', code: 'DataError' } });
  });

  it('uses an override instead of the engine handler, still after validation', async () => {
    const exportRun = vi.fn(async () => ({ fileName: '/home/u/run.tar.gz', archive: '' }));
    const { ipcMain, wb } = setup({ overrides: { exportRun } });
    const reply = await ipcMain.invoke(channelOf('exportRun'), APP_PAGE, { runId: 'run-1' });
    expect(reply).toEqual({ ok: true, result: { fileName: '/home/u/run.tar.gz', archive: '' } });
    expect(wb.calls.exportRun).not.toHaveBeenCalled();
    const bad = await ipcMain.invoke(channelOf('exportRun'), APP_PAGE, { runId: '' });
    expect(bad.ok).toBe(false);
    expect(exportRun).toHaveBeenCalledTimes(1);
  });

  it('guards extra shell channels with the same sender check', async () => {
    const choose = vi.fn(async () => ({ cancelled: true }));
    const { ipcMain } = setup({ extra: { 'workbench:shell:chooseDataDir': choose } });
    expect((await ipcMain.invoke('workbench:shell:chooseDataDir', 'https://evil.example/')).ok).toBe(false);
    expect(choose).not.toHaveBeenCalled();
    expect(await ipcMain.invoke('workbench:shell:chooseDataDir', APP_PAGE)).toEqual({ ok: true, result: { cancelled: true } });
  });

  it('removes every handler it added', () => {
    const { ipcMain, unbind } = setup({ extra: { 'workbench:shell:x': async () => null } });
    unbind();
    expect(ipcMain.channels.size).toBe(0);
  });
});

describe('forwardEvents', () => {
  it('pushes each engine event to the window on the event channel, and stops when unsubscribed', () => {
    const wb = fakeWorkbench();
    const sent: unknown[][] = [];
    const target = { send: (...args: unknown[]) => void sent.push(args), isDestroyed: () => false };
    const stop = forwardEvents(wb, () => target);
    wb.emit(SAMPLE_EVENT);
    expect(sent).toEqual([[EVENT_CHANNEL, SAMPLE_EVENT]]);
    expect(PushEventSchema.safeParse(sent[0]![1]).success).toBe(true);
    stop();
    wb.emit(SAMPLE_EVENT);
    expect(sent).toHaveLength(1);
    expect(wb.listenerCount()).toBe(0);
  });

  it('drops events while there is no window or it is being destroyed', () => {
    const wb = fakeWorkbench();
    const send = vi.fn();
    let target: { send: typeof send; isDestroyed: () => boolean } | null = null;
    forwardEvents(wb, () => target);
    wb.emit(SAMPLE_EVENT);
    target = { send, isDestroyed: () => true };
    wb.emit(SAMPLE_EVENT);
    expect(send).not.toHaveBeenCalled();
  });
});
