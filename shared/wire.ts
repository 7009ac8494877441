// Browser-mode wire format: JSON frames over one WebSocket carry the same contract as IPC.
import { z } from 'zod';
import { PushEventSchema } from './api.js';

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

/** Path of the WebSocket endpoint; the token rides in the `token` query parameter or the session cookie. */
export const WS_PATH = '/ws';
export const TOKEN_COOKIE = 'fmw_token';
