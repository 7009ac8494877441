// Desktop shell (sandboxed preload, bundled to CJS): window.workbench with one method per contract request, each on its own channel.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { EVENT_CHANNEL, REQUEST_NAMES, channelOf, type PushEvent } from '../shared/api.js';
import {
  SHELL_CHOOSE_DATA_DIR_CHANNEL, SHELL_COMMAND_CHANNEL,
  type ChooseDataDirResult, type DesktopWorkbenchApi, type ShellCommand,
} from '../shared/shell.js';

type Reply = { ok: true; result: unknown } | { ok: false; error: { message: string; code?: string } };

/** Main answers with an envelope so the renderer sees the engine's message, not Electron's "Error invoking remote method". */
async function invoke(channel: string, request?: unknown): Promise<unknown> {
  const reply = (await ipcRenderer.invoke(channel, request)) as Reply;
  if (reply.ok) return reply.result;
  const err = new Error(reply.error.message);
  if (reply.error.code) err.name = reply.error.code;
  throw err;
}

/** The renderer's listener gets the payload only, never the IpcRendererEvent (which would expose ipcRenderer). */
function subscribe<T>(channel: string, listener: (payload: T) => void): () => void {
  const wrapped = (_event: IpcRendererEvent, payload: T): void => listener(payload);
  ipcRenderer.on(channel, wrapped);
  return () => {
    ipcRenderer.removeListener(channel, wrapped);
  };
}

export function buildApi(): DesktopWorkbenchApi {
  const api: Record<string, unknown> = {};
  for (const name of REQUEST_NAMES) {
    const channel = channelOf(name);
    api[name] = (request?: unknown) => invoke(channel, request);
  }
  api.onEvent = (listener: (event: PushEvent) => void) => subscribe(EVENT_CHANNEL, listener);
  api.shell = {
    onCommand: (listener: (command: ShellCommand) => void) => subscribe(SHELL_COMMAND_CHANNEL, listener),
    chooseDataDir: () => invoke(SHELL_CHOOSE_DATA_DIR_CHANNEL) as Promise<ChooseDataDirResult>,
  };
  return api as DesktopWorkbenchApi;
}

contextBridge.exposeInMainWorld('workbench', buildApi());
