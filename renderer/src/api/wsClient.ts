// Browser mode (renderer/api): WorkbenchApi over one WebSocket speaking shared/wire.ts, reconnecting after drops.
import { REQUEST_NAMES, type PushEvent, type RequestName, type WorkbenchApi } from '../../../shared/api.js';
import type { WireRequest } from '../../../shared/wire.js';
import { ApiError } from './errors.js';

export type ConnectionStatus = 'connecting' | 'open' | 'closed';

export interface WsClientOptions {
  url: string;
  /** Injected in tests. */
  WebSocketImpl?: typeof WebSocket;
  /** Delays between reconnect attempts, last one repeated. */
  backoffMs?: readonly number[];
}

export interface WsClient {
  api: WorkbenchApi;
  status(): ConnectionStatus;
  /** Status changes; `reconnected` is true when an earlier connection had been open (time to catch up). */
  onStatus(listener: (status: ConnectionStatus, reconnected: boolean) => void): () => void;
  close(): void;
}

interface Pending {
  method: string;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

export function createWsClient(opts: WsClientOptions): WsClient {
  const Impl = opts.WebSocketImpl ?? WebSocket;
  const backoff = opts.backoffMs ?? [300, 1000, 2000, 5000];
  const pending = new Map<number, Pending>();
  const outbox: string[] = [];
  const eventListeners = new Set<(e: PushEvent) => void>();
  const statusListeners = new Set<(s: ConnectionStatus, reconnected: boolean) => void>();
  let nextId = 1;
  let ws: WebSocket | null = null;
  let status: ConnectionStatus = 'connecting';
  let everOpen = false;
  let attempt = 0;
  let closedByUser = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  function setStatus(s: ConnectionStatus, reconnected = false) {
    status = s;
    statusListeners.forEach((l) => l(s, reconnected));
  }

  function connect() {
    setStatus('connecting');
    const sock = new Impl(opts.url);
    ws = sock;
    sock.onopen = () => {
      const reconnected = everOpen;
      everOpen = true;
      attempt = 0;
      setStatus('open', reconnected);
      while (outbox.length > 0 && sock.readyState === Impl.OPEN) sock.send(outbox.shift()!);
    };
    sock.onmessage = (ev: MessageEvent) => onFrame(ev.data);
    sock.onclose = (ev: CloseEvent) => {
      if (ws !== sock) return;
      ws = null;
      // Requests in flight are lost with the socket; the caller decides whether to retry.
      const reason = ev.reason || (ev.code === 1008 ? 'the server refused the token' : `connection closed (code ${ev.code})`);
      for (const [id, p] of pending) p.reject(new ApiError(p.method, `${p.method} failed: ${reason}`, 'DISCONNECTED'));
      pending.clear();
      setStatus('closed');
      if (closedByUser) return;
      const delay = backoff[Math.min(attempt, backoff.length - 1)];
      attempt += 1;
      timer = setTimeout(connect, delay);
    };
    sock.onerror = () => {
      /* onclose follows and does the work */
    };
  }

  function onFrame(data: unknown) {
    if (typeof data !== 'string') return;
    let msg: unknown;
    try {
      msg = JSON.parse(data);
    } catch {
      console.error('workbench: dropped a frame that is not JSON');
      return;
    }
    if (msg && typeof msg === 'object' && 'push' in msg) {
      const event = (msg as { push: PushEvent }).push;
      eventListeners.forEach((l) => {
        try {
          l(event);
        } catch (err) {
          console.error('workbench: event listener failed', err);
        }
      });
      return;
    }
    const reply = msg as { id?: number; ok?: boolean; result?: unknown; error?: { message?: string; code?: string } };
    if (typeof reply?.id !== 'number') return;
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.result);
    else p.reject(new ApiError(p.method, reply.error?.message ?? `${p.method} failed`, reply.error?.code));
  }

  function call(method: RequestName, params: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = nextId++;
      const frame: WireRequest = { id, method, params: params ?? {} };
      pending.set(id, { method, resolve, reject });
      const text = JSON.stringify(frame);
      if (ws && ws.readyState === Impl.OPEN) ws.send(text);
      else outbox.push(text);
    });
  }

  const api = Object.fromEntries(REQUEST_NAMES.map((name) => [name, (req: unknown) => call(name, req)])) as unknown as WorkbenchApi;
  api.onEvent = (listener) => {
    eventListeners.add(listener);
    return () => eventListeners.delete(listener);
  };

  connect();

  return {
    api,
    status: () => status,
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    close() {
      closedByUser = true;
      if (timer) clearTimeout(timer);
      ws?.close();
    },
  };
}
