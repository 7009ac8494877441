// Browser mode (renderer/api): WorkbenchApi over one WebSocket speaking shared/wire.ts, reconnecting after drops.
import { REQUEST_NAMES, type PushEvent, type RequestName, type WorkbenchApi } from '../../../shared/api.js';
import {
  CLOSE_TOO_BIG, CLOSE_TRY_LATER, MAX_FRAME_BYTES, MAX_IMPORT_ARCHIVE_BYTES, MAX_IN_FLIGHT, TOO_BIG_REASON, type WireRequest,
} from '../../../shared/wire.js';
import { ApiError } from './errors.js';

export type ConnectionStatus = 'connecting' | 'open' | 'closed';

export interface WsClientOptions {
  url: string;
  /** Injected in tests. */
  WebSocketImpl?: typeof WebSocket;
  /** Delays between reconnect attempts, last one repeated. */
  backoffMs?: readonly number[];
  /** Limits of the server (shared/wire.ts); tests lower them. */
  maxFrameBytes?: number;
  maxInFlight?: number;
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

function mib(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/** UTF-8 size without encoding the common case: ASCII-only JSON (base64 archives) is one byte a character. */
function byteLength(text: string, limit: number): number {
  if (text.length * 3 <= limit) return text.length;
  return new TextEncoder().encode(text).length;
}

/** Why the connection closed, in words a researcher can act on. */
export function closeReason(code: number, reason: string, everOpen: boolean): string {
  if (code === CLOSE_TOO_BIG) return reason || TOO_BIG_REASON;
  if (reason) return reason;
  if (code === 1008) return 'the server refused the token';
  if (code === CLOSE_TRY_LATER) return 'the server has too many connections; close other workbench tabs';
  if (!everOpen) {
    return `could not connect to the engine (code ${code}): if \`npm run web\` was restarted, open the new URL it printed (it ends in ?token=…)`;
  }
  return `connection closed (code ${code})`;
}

export function createWsClient(opts: WsClientOptions): WsClient {
  const Impl = opts.WebSocketImpl ?? WebSocket;
  const backoff = opts.backoffMs ?? [300, 1000, 2000, 5000];
  const maxFrameBytes = opts.maxFrameBytes ?? MAX_FRAME_BYTES;
  const maxInFlight = opts.maxInFlight ?? MAX_IN_FLIGHT;
  const pending = new Map<number, Pending>();
  /** Frames not sent yet: the socket is not open, or the server's in-flight limit is reached. */
  const outbox: string[] = [];
  let sent = 0;
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

  function flush() {
    while (outbox.length > 0 && sent < maxInFlight && ws && ws.readyState === Impl.OPEN) {
      ws.send(outbox.shift()!);
      sent += 1;
    }
  }

  function connect() {
    setStatus('connecting');
    const sock = new Impl(opts.url);
    ws = sock;
    sent = 0;
    sock.onopen = () => {
      const reconnected = everOpen;
      everOpen = true;
      attempt = 0;
      setStatus('open', reconnected);
      flush();
    };
    sock.onmessage = (ev: MessageEvent) => onFrame(ev.data);
    sock.onclose = (ev: CloseEvent) => {
      if (ws !== sock) return;
      ws = null;
      // Requests in flight are lost with the socket; the caller decides whether to retry.
      const reason = closeReason(ev.code, ev.reason, everOpen);
      for (const [, p] of pending) p.reject(new ApiError(p.method, `${p.method} failed: ${reason}`, ev.code === CLOSE_TOO_BIG ? 'TOO_LARGE' : 'DISCONNECTED'));
      pending.clear();
      outbox.length = 0;
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
    sent = Math.max(0, sent - 1);
    if (reply.ok) p.resolve(reply.result);
    else p.reject(new ApiError(p.method, reply.error?.message ?? `${p.method} failed`, reply.error?.code));
    flush();
  }

  function call(method: RequestName, params: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = nextId++;
      const frame: WireRequest = { id, method, params: params ?? {} };
      const text = JSON.stringify(frame);
      // Refused here rather than by the server, which would have to drop the whole connection (close 1009).
      const size = byteLength(text, maxFrameBytes);
      if (size > maxFrameBytes) {
        const what = method === 'importRun' ? `a run archive up to ${mib(MAX_IMPORT_ARCHIVE_BYTES)}` : 'requests';
        reject(new ApiError(method, `${method} is too large to send: ${mib(size)}; browser mode takes messages up to ${mib(maxFrameBytes)} (${what})`, 'TOO_LARGE'));
        return;
      }
      pending.set(id, { method, resolve, reject });
      outbox.push(text);
      flush();
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
