// Test doubles for the desktop shell: an engine faked at the facade's interface and a fake ipcMain.
import { vi, type Mock } from 'vitest';
import { REQUEST_NAMES, type PushEvent, type WorkbenchHandlers } from '../../shared/api.js';
import type { IpcInvokeEventLike, IpcMainLike } from '../../electron/ipc/bind.js';

export interface FakeWorkbench {
  handlers: WorkbenchHandlers;
  /** The vi.fn behind each handler; by default each answers { echoed: <name>, request }. */
  calls: Record<string, Mock>;
  onEvent(listener: (e: PushEvent) => void): () => void;
  emit(event: PushEvent): void;
  listenerCount(): number;
}

export function fakeWorkbench(): FakeWorkbench {
  const calls: Record<string, Mock> = {};
  for (const name of REQUEST_NAMES) calls[name] = vi.fn(async (request: unknown) => ({ echoed: name, request }));
  const listeners = new Set<(e: PushEvent) => void>();
  return {
    handlers: calls as unknown as WorkbenchHandlers,
    calls,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(event) {
      listeners.forEach((l) => l(event));
    },
    listenerCount: () => listeners.size,
  };
}

type Listener = (event: IpcInvokeEventLike, ...args: unknown[]) => unknown;

/**
 * A reply envelope as the tests read it: both outcomes' fields in one shape, so a test that expects a refusal reads
 * `error` directly. Reading it off an accepted reply yields undefined at run time, which fails that test as it should.
 */
export interface ReplyAsRead {
  ok: boolean;
  result?: unknown;
  error: { message: string; code?: string };
}

/** Behaves like ipcMain.handle/removeHandler, including the "second handler for a channel" error. */
export class FakeIpcMain implements IpcMainLike {
  readonly channels = new Map<string, Listener>();

  handle(channel: string, listener: Listener): void {
    if (this.channels.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.channels.set(channel, listener);
  }

  removeHandler(channel: string): void {
    this.channels.delete(channel);
  }

  /** What a renderer's ipcRenderer.invoke does; `url` is the sender frame's URL (null: no frame). */
  async invoke(channel: string, url: string | null, payload?: unknown): Promise<ReplyAsRead> {
    const listener = this.channels.get(channel);
    if (!listener) throw new Error(`No handler registered for '${channel}'`);
    return (await listener({ senderFrame: url === null ? null : { url } }, payload)) as ReplyAsRead;
  }
}

export const APP_PAGE = 'app://workbench/index.html';

export const SAMPLE_EVENT: PushEvent = {
  kind: 'dataProgress',
  progress: { file: 'train-images-idx3-ubyte.gz', receivedBytes: 1024, totalBytes: 26421880, url: 'https://example.org/train-images-idx3-ubyte.gz' },
};
