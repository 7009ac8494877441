// Desktop shell: binds every contract request to its own ipcMain channel (sender and payload checked) and forwards engine events.
import {
  EVENT_CHANNEL, REQUEST_NAMES, channelOf,
  type ParsedRequestOf, type PushEvent, type RequestName, type ResponseOf, type WorkbenchHandlers,
} from '../../shared/api.js';
import { callRequest, errorReply, RequestError, type Reply, type WorkbenchLike } from './contract.js';

/** The slice of Electron's ipcMain the binding uses; tests pass a fake. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

/** The slice of IpcMainInvokeEvent the binding reads. */
export interface IpcInvokeEventLike {
  senderFrame?: { url: string } | null;
}

/** Replacement handlers for requests the desktop shell serves differently (e.g. through native dialogs). */
export type HandlerOverrides = { [K in RequestName]?: (request: ParsedRequestOf<K>) => Promise<ResponseOf<K>> };

export interface BindIpcOptions {
  ipcMain: IpcMainLike;
  handlers: WorkbenchHandlers;
  isTrustedSender: (url: string | null | undefined) => boolean;
  overrides?: HandlerOverrides;
  /** Extra channels outside the contract (shell extras), each guarded by the same sender check. */
  extra?: Record<string, (payload: unknown) => Promise<unknown>>;
  onRejected?: (channel: string, reason: string) => void;
}

function guard(
  opts: BindIpcOptions,
  channel: string,
  name: string,
  call: (payload: unknown) => Promise<unknown>,
): (event: IpcInvokeEventLike, payload?: unknown) => Promise<Reply> {
  return async (event, payload) => {
    const url = event?.senderFrame?.url;
    if (!opts.isTrustedSender(url)) {
      const reason = `Refused "${name}": the message did not come from the workbench window (sender: ${url ?? 'no frame'})`;
      opts.onRejected?.(channel, reason);
      return errorReply(new RequestError(reason, 'FORBIDDEN_SENDER', name));
    }
    try {
      return { ok: true, result: await call(payload) };
    } catch (err) {
      return errorReply(err);
    }
  };
}

/** Registers one handler per contract entry; returns a function that removes them all. */
export function bindIpc(opts: BindIpcOptions): () => void {
  const channels: string[] = [];
  const effective = { ...opts.handlers, ...opts.overrides } as WorkbenchHandlers;
  for (const name of REQUEST_NAMES) {
    const channel = channelOf(name);
    opts.ipcMain.handle(channel, guard(opts, channel, name, (payload) => callRequest(effective, name, payload)));
    channels.push(channel);
  }
  for (const [channel, fn] of Object.entries(opts.extra ?? {})) {
    opts.ipcMain.handle(channel, guard(opts, channel, channel, fn));
    channels.push(channel);
  }
  return () => channels.forEach((c) => opts.ipcMain.removeHandler(c));
}

/** The slice of WebContents events are pushed to. */
export interface WebContentsLike {
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

/** Forwards every engine event to the current window (if any); returns the unsubscribe function. */
export function forwardEvents(
  workbench: Pick<WorkbenchLike, 'onEvent'>,
  target: () => WebContentsLike | null | undefined,
): () => void {
  return workbench.onEvent((event: PushEvent) => {
    const wc = target();
    if (wc && !wc.isDestroyed()) wc.send(EVENT_CHANNEL, event);
  });
}
