// Binding layer (IPC and browser mode alike): checks a request against its contract schema, then calls the engine.
import { requests, type PushEvent, type RequestName, type ResponseOf, type WorkbenchHandlers } from '../../shared/api.js';

/** The part of the engine facade a binding needs; the real one is electron/engine/workbench.ts. */
export interface WorkbenchLike {
  handlers: WorkbenchHandlers;
  onEvent(listener: (event: PushEvent) => void): () => void;
}

export type RequestErrorCode = 'UNKNOWN_REQUEST' | 'INVALID_REQUEST' | 'FORBIDDEN_SENDER';

/** A request that never reached the engine: unknown name, malformed payload or untrusted sender. */
export class RequestError extends Error {
  override readonly name = 'RequestError';

  constructor(
    message: string,
    readonly code: RequestErrorCode,
    readonly request: string,
    /** Dotted path of the first offending field (e.g. `model.layers.2.units`), when there is one. */
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

export function isRequestName(name: string): name is RequestName {
  return Object.prototype.hasOwnProperty.call(requests, name);
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
}

/** Parses `payload` with the request schema of `name`; throws a RequestError naming the request and the field. */
export function parseRequest(name: string, payload: unknown): unknown {
  if (!isRequestName(name)) {
    throw new RequestError(`Unknown request "${name}"`, 'UNKNOWN_REQUEST', name);
  }
  // Requests without parameters may be called as `getSettings()`; treat a missing payload as {}.
  const result = requests[name].request.safeParse(payload === undefined ? {} : payload);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const first = issues[0];
  const field = first && first.path.length > 0 ? formatPath(first.path) : null;
  const details = issues
    .slice(0, 3)
    .map((i) => `${i.path.length > 0 ? `field "${formatPath(i.path)}"` : 'payload'}: ${i.message}`)
    .join('; ');
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  throw new RequestError(`Invalid ${name} request: ${details}${more}`, 'INVALID_REQUEST', name, field);
}

type AnyHandler = (request: unknown) => Promise<unknown>;

/** Parses the payload, then calls the engine's handler; nothing malformed ever reaches the engine. */
export async function callRequest<K extends RequestName>(handlers: WorkbenchHandlers, name: K, payload: unknown): Promise<ResponseOf<K>>;
export async function callRequest(handlers: WorkbenchHandlers, name: string, payload: unknown): Promise<unknown>;
export async function callRequest(handlers: WorkbenchHandlers, name: string, payload: unknown): Promise<unknown> {
  const parsed = parseRequest(name, payload);
  const handler = (handlers as unknown as Record<string, AnyHandler | undefined>)[name];
  if (typeof handler !== 'function') {
    throw new RequestError(`The engine does not implement "${name}"`, 'UNKNOWN_REQUEST', name);
  }
  return handler.call(handlers, parsed);
}

/** The reply envelope shared by IPC and the WebSocket, so error messages arrive intact (not wrapped by Electron). */
export type Reply = { ok: true; result: unknown } | { ok: false; error: { message: string; code?: string } };

export function errorReply(err: unknown): Reply {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { ok: false, error: { message: err.message, code: typeof code === 'string' ? code : err.name } };
  }
  return { ok: false, error: { message: String(err) } };
}
