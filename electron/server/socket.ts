// Browser mode: one WebSocket connection speaking the wire format; every frame is checked before the engine sees it.
import type { WebSocket, RawData } from 'ws';
import type { PushEvent } from '../../shared/api.js';
import { MAX_FRAME_BYTES, MAX_IN_FLIGHT, WireRequestSchema, type WireMessage } from '../../shared/wire.js';
import { callRequest, errorReply, type WorkbenchLike } from '../ipc/contract.js';

/** Reply id used when a frame is too broken to carry one of its own. */
export const UNKNOWN_ID = -1;

/**
 * Unread bytes (one largest reply plus 64 MiB of events) after which a client that stopped reading is dropped;
 * it catches up from the run log when it reconnects.
 */
export const MAX_UNREAD_BYTES = MAX_FRAME_BYTES + 64 * 1024 ** 2;

export interface ConnectionOptions {
  /** Requests whose reply has not been written out yet; more are refused with TOO_MANY_REQUESTS. */
  maxInFlight?: number;
}

function encode(message: WireMessage): string | null {
  try {
    return JSON.stringify(message);
  } catch (err) {
    if (!('id' in message)) return null;
    return JSON.stringify({ id: message.id, ok: false, error: { message: `Reply could not be encoded: ${(err as Error).message}`, code: 'ENCODE_ERROR' } });
  }
}

/** Sends a message; `done` runs once it has left the process (or could not be sent). */
function send(ws: WebSocket, message: WireMessage, done: () => void = () => {}): void {
  const text = ws.readyState === ws.OPEN ? encode(message) : null;
  if (text === null) return done();
  ws.send(text, () => done());
}

function idOf(json: unknown): number {
  const id = (json as { id?: unknown } | null)?.id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : UNKNOWN_ID;
}

function frameText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/**
 * Serves one connection: JSON → wire request → contract request → engine → reply, never throwing.
 * A request counts as in flight until its reply has been written out, so a client that sends but never reads
 * cannot pile up replies in memory either.
 */
export function serveConnection(ws: WebSocket, workbench: WorkbenchLike, opts: ConnectionOptions = {}): void {
  const maxInFlight = opts.maxInFlight ?? MAX_IN_FLIGHT;
  let inFlight = 0;

  const badFrame = (id: number, message: string, code = 'BAD_FRAME') => send(ws, { id, ok: false, error: { message, code } });

  async function handle(data: RawData, isBinary: boolean): Promise<void> {
    if (isBinary) return badFrame(UNKNOWN_ID, 'Binary frames are not supported; send JSON text');
    let json: unknown;
    try {
      json = JSON.parse(frameText(data));
    } catch {
      return badFrame(UNKNOWN_ID, 'Frame is not valid JSON');
    }
    const frame = WireRequestSchema.safeParse(json);
    if (!frame.success) {
      const issue = frame.error.issues[0];
      const where = issue && issue.path.length > 0 ? `field "${issue.path.join('.')}"` : 'frame';
      return badFrame(idOf(json), `Malformed request frame: ${where}: ${issue?.message ?? 'invalid'} (expected {id, method, params})`);
    }
    const { id, method, params } = frame.data;
    if (inFlight >= maxInFlight) {
      return badFrame(id, `Too many requests in flight on this connection (limit ${maxInFlight}): wait for replies before sending more`, 'TOO_MANY_REQUESTS');
    }
    inFlight += 1;
    const release = () => {
      inFlight -= 1;
    };
    let reply: WireMessage;
    try {
      reply = { id, ok: true, result: await callRequest(workbench.handlers, method, params) };
    } catch (err) {
      const r = errorReply(err);
      reply = r.ok ? { id, ok: true, result: r.result } : { id, ok: false, error: r.error };
    }
    send(ws, reply, release);
  }

  ws.on('message', (data, isBinary) => {
    handle(data, isBinary).catch((err) => badFrame(UNKNOWN_ID, `Internal error: ${(err as Error).message}`, 'INTERNAL'));
  });
}

/** Pushes an event; a client that stopped reading is dropped rather than buffered without bound. */
export function pushTo(ws: WebSocket, event: PushEvent): void {
  if (ws.readyState !== ws.OPEN) return;
  if (ws.bufferedAmount > MAX_UNREAD_BYTES) {
    ws.terminate();
    return;
  }
  send(ws, { push: event });
}
