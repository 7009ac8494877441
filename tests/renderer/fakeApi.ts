// Renderer tests: a WorkbenchApi faked at its interface, installed as the host the stores talk to.
import { vi } from 'vitest';
import { ref } from 'vue';
import { REQUEST_NAMES, type PushEvent, type RequestName, type WorkbenchApi } from '../../shared/api.js';
import { setHost, type Host } from '../../renderer/src/api/host.js';

export interface FakeApi {
  api: WorkbenchApi;
  /** Every request handler, as a mock to program and inspect. */
  calls: Record<RequestName, ReturnType<typeof vi.fn>>;
  emit(event: PushEvent): void;
  reconnect(): void;
  host: Host;
}

// `never`: each test programs a handler with its own request type; every such handler is assignable here.
export function installFakeApi(impl: Partial<Record<RequestName, (req: never) => unknown>> = {}): FakeApi {
  const listeners = new Set<(e: PushEvent) => void>();
  const reconnectListeners = new Set<() => void>();
  const calls = {} as Record<RequestName, ReturnType<typeof vi.fn>>;
  for (const name of REQUEST_NAMES) {
    calls[name] = vi.fn(async (req: unknown) => {
      const fn = impl[name];
      if (!fn) throw new Error(`fake API: ${name} not programmed`);
      return fn(req as never);
    });
  }
  const api = { ...calls, onEvent: (l: (e: PushEvent) => void) => (listeners.add(l), () => listeners.delete(l)) } as unknown as WorkbenchApi;
  const host: Host = { kind: 'test', api, status: ref('open'), onReconnect: (l) => (reconnectListeners.add(l), () => reconnectListeners.delete(l)) };
  setHost(host);
  return {
    api, calls, host,
    emit: (e) => listeners.forEach((l) => l(e)),
    reconnect: () => reconnectListeners.forEach((l) => l()),
  };
}
