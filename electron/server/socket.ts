// Browser mode: one WebSocket connection speaking the wire format; every frame is checked before the engine sees it.
import type { WebSocket, RawData } from 'ws';
import type { PushEvent } from '../../shared/api.js';
import { WireRequestSchema, type WireMessage } from '../../shared/wire.js';
import { callRequest, errorReply, type WorkbenchLike } from '../ipc/contract.js';

/** Reply id used when a frame is too broken to carry one of its own. */
export const UNKNOWN_ID = -1;

function send(ws: WebSocket, message: WireMessage): void {
  if (ws.readyState !== ws.OPEN) return;
  let text: string;
  try {
    text = JSON.stringify(message);
  } catch (err) {
    if (!('id' in message)) return;
    text = JSON.stringify({ id: message.id, ok: false, error: { message: `Reply could not be encoded: ${(err as Error).message}`, code: 'ENCODE_ERROR' } });
  }
  ws.send(text);
}

function badFrame(ws: WebSocket, id: number, message: string): void {
  send(ws, { id, ok: false, error: { message, code: 'BAD_FRAME' } });
}

function idOf(json: unknown): number {
  const id = (json as { id?: unknown } | null)?.id;
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 ? id : UNKNOWN_ID;
}

/** Handles one incoming frame: JSON → wire request → contract request → engine → reply. Never throws. */
export async function handleFrame(ws: WebSocket, workbench: WorkbenchLike, data: RawData, isBinary: boolean): Promise<void> {
  if (isBinary) return badFrame(ws, UNKNOWN_ID, 'Binary frames are not supported; send JSON text');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'));
  } catch {
    return badFrame(ws, UNKNOWN_ID, 'Frame is not valid JSON');
  }
  const frame = WireRequestSchema.safeParse(json);
  if (!frame.success) {
    const issue = frame.error.issues[0];
    const where = issue && issue.path.length > 0 ? `field "${issue.path.join('.')}"` : 'frame';
    return badFrame(ws, idOf(json), `Malformed request frame: ${where}: ${issue?.message ?? 'invalid'} (expected {id, method, params})`);
  }
  const { id, method, params } = frame.data;
  try {
    const result = await callRequest(workbench.handlers, method, params);
    send(ws, { id, ok: true, result });
  } catch (err) {
    const reply = errorReply(err);
    if (!reply.ok) send(ws, { id, ok: false, error: reply.error });
  }
}

export function pushTo(ws: WebSocket, event: PushEvent): void {
  send(ws, { push: event });
}
