// The preload with Electron faked: one method per contract entry on its own channel, events without the IPC event object.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { EVENT_CHANNEL, REQUEST_NAMES, channelOf, type RequestName } from '../../shared/api.js';
import { SHELL_CHOOSE_DATA_DIR_CHANNEL, SHELL_COMMAND_CHANNEL, type DesktopWorkbenchApi } from '../../shared/shell.js';
import { SAMPLE_EVENT } from './fakes.js';

const electron = vi.hoisted(() => {
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  return {
    listeners,
    exposed: new Map<string, unknown>(),
    invoke: vi.fn(async (_channel: string, _payload?: unknown): Promise<unknown> => ({ ok: true, result: 'answer' })),
  };
});

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => electron.exposed.set(key, api) },
  ipcRenderer: {
    invoke: electron.invoke,
    on: (channel: string, fn: (...args: unknown[]) => void) => {
      if (!electron.listeners.has(channel)) electron.listeners.set(channel, new Set());
      electron.listeners.get(channel)!.add(fn);
    },
    removeListener: (channel: string, fn: (...args: unknown[]) => void) => electron.listeners.get(channel)?.delete(fn),
    send: () => {
      throw new Error('the preload must not use ipcRenderer.send');
    },
  },
}));

await import('../../electron/preload.js');
const api = electron.exposed.get('workbench') as DesktopWorkbenchApi;
/** The same object as a probe sees it: payloads off the contract go through (the preload forwards without checking). */
const probe = api as unknown as Record<RequestName, (payload: unknown) => Promise<unknown>>;

function emit(channel: string, payload: unknown): void {
  const fakeIpcEvent = { sender: { secret: 'ipcRenderer' } };
  electron.listeners.get(channel)?.forEach((fn) => fn(fakeIpcEvent, payload));
}

beforeEach(() => electron.invoke.mockClear());

describe('preload', () => {
  it('exposes exactly one object, window.workbench', () => {
    expect([...electron.exposed.keys()]).toEqual(['workbench']);
  });

  it('has one method per contract request plus onEvent and shell — no generic send/invoke', () => {
    expect(Object.keys(api).sort()).toEqual([...REQUEST_NAMES, 'onEvent', 'shell'].sort());
    for (const name of REQUEST_NAMES) expect(typeof probe[name]).toBe('function');
  });

  it("invokes each request on that request's own channel", async () => {
    for (const name of REQUEST_NAMES) {
      await probe[name]({ probe: name });
      expect(electron.invoke).toHaveBeenLastCalledWith(channelOf(name), { probe: name });
    }
    expect(electron.invoke).toHaveBeenCalledTimes(REQUEST_NAMES.length);
  });

  it('unwraps the reply envelope and rethrows errors with the engine message', async () => {
    expect(await api.listRuns({})).toBe('answer');
    electron.invoke.mockResolvedValueOnce({ ok: false, error: { message: 'Invalid deleteRun request: field "runId": bad', code: 'RequestError' } });
    await expect(api.deleteRun({ runId: '..' })).rejects.toThrow('Invalid deleteRun request: field "runId": bad');
  });

  it('delivers pushed events as payloads only, and unsubscribes', () => {
    const got: unknown[][] = [];
    const off = api.onEvent((...args: unknown[]) => got.push(args));
    emit(EVENT_CHANNEL, SAMPLE_EVENT);
    expect(got).toEqual([[SAMPLE_EVENT]]);
    off();
    emit(EVENT_CHANNEL, SAMPLE_EVENT);
    expect(got).toHaveLength(1);
  });

  it('exposes the shell extras on their own channels', async () => {
    const commands: unknown[] = [];
    const off = api.shell.onCommand((c: unknown) => commands.push(c));
    emit(SHELL_COMMAND_CHANNEL, { command: 'newExperiment' });
    off();
    emit(SHELL_COMMAND_CHANNEL, { command: 'newExperiment' });
    expect(commands).toEqual([{ command: 'newExperiment' }]);
    await api.shell.chooseDataDir();
    expect(electron.invoke).toHaveBeenLastCalledWith(SHELL_CHOOSE_DATA_DIR_CHANNEL, undefined);
  });
});
