// Browser-mode wire format: JSON frames over one WebSocket carry the same contract as IPC.
import { z } from 'zod';
import { MAX_RUN_ARCHIVE_BASE64, MAX_RUN_ARCHIVE_BYTES, PushEventSchema } from './api.js';

/** Client → server: call request `method` with `params`; `id` pairs the reply. */
export const WireRequestSchema = z.object({
  id: z.number().int().nonnegative(),
  method: z.string().max(64),
  params: z.unknown(),
});
export type WireRequest = z.infer<typeof WireRequestSchema>;

/** Server → client: a reply to one request, or a pushed event. */
export const WireMessageSchema = z.union([
  z.object({ id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: z.number().int(), ok: z.literal(false), error: z.object({ message: z.string(), code: z.string().optional() }) }),
  z.object({ push: PushEventSchema }),
]);
export type WireMessage = z.infer<typeof WireMessageSchema>;

/** Path of the WebSocket endpoint; the token rides in its `token` query parameter, never in a cookie. */
export const WS_PATH = '/ws';

/**
 * Largest run archive (packed .tar.gz bytes) that importRun carries. It travels base64 inside one JSON frame, so
 * the frame limit below is derived from it; a run (a model of a few MB, logs, predictions) is far smaller.
 */
export const MAX_IMPORT_ARCHIVE_BYTES = MAX_RUN_ARCHIVE_BYTES;
/** Room for the JSON envelope around the largest string field. */
const ENVELOPE_BYTES = 64 * 1024;
/** Largest frame either side accepts: the base64 of the largest archive plus its envelope (about 341.4 MiB). */
export const MAX_FRAME_BYTES = MAX_RUN_ARCHIVE_BASE64 + ENVELOPE_BYTES;
/** Requests one connection may have in flight; the client queues beyond this, the server refuses. */
export const MAX_IN_FLIGHT = 32;
/** Open WebSocket connections the server keeps at once (tabs of one user need a handful). */
export const MAX_SOCKETS = 16;
/** The server pings every this often and drops a connection that did not answer the previous ping. */
export const HEARTBEAT_MS = 30_000;

/** Close codes the server uses (RFC 6455 §7.4.1) and the client explains. */
export const CLOSE_TOO_BIG = 1009;
export const CLOSE_TRY_LATER = 1013;

function mib(bytes: number): string {
  return bytes < 1024 ** 2 ? `${bytes} bytes` : `${(bytes / 1024 ** 2).toFixed(1).replace(/\.0$/, '')} MiB`;
}

/** Close reason for an oversized frame (well under the 123 bytes a close frame allows). */
export function tooBigReason(maxFrameBytes: number): string {
  const archive = Math.floor((maxFrameBytes - ENVELOPE_BYTES) / 4) * 3;
  const what = archive > 0 ? ` (a run archive up to ${mib(archive)})` : '';
  return `Message too big: the limit is ${mib(maxFrameBytes)}${what}`;
}
export const TOO_BIG_REASON = tooBigReason(MAX_FRAME_BYTES);
export function tooManySocketsReason(maxSockets: number): string {
  return `Too many connections (limit ${maxSockets}): close other workbench tabs`;
}
