// The renderer's one host seam: window.workbench in Electron, a WebSocket client in a browser, a fake in tests.
import { ref, type Ref } from 'vue';
import { REQUEST_NAMES, type WorkbenchApi } from '../../../shared/api.js';
import type { ShellApi } from '../../../shared/shell.js';
import { NO_TOKEN_MESSAGE, takeToken, webSocketUrl } from './token.js';
import { ApiError } from './errors.js';
import { createWsClient, type ConnectionStatus } from './wsClient.js';

export interface Host {
  kind: 'electron' | 'browser' | 'test';
  api: WorkbenchApi;
  /** Live connection state (always open in Electron). */
  status: Ref<ConnectionStatus>;
  /** Called after a dropped connection comes back: stores catch up from the run store. */
  onReconnect(listener: () => void): () => void;
  /** Desktop extras (menu commands, native dialogs); null in a browser. */
  shell?: ShellApi | null;
  /** Why the host cannot work at all (a browser page opened without its token); shown instead of the app. */
  problem?: string | null;
}

let current: Host | null = null;

export function setHost(host: Host | null): void {
  current = host;
}

export function host(): Host {
  if (!current) current = createHost();
  return current;
}

/** The API the stores call. */
export function api(): WorkbenchApi {
  return host().api;
}

export function createHost(win: Window = window): Host {
  if (win.workbench) {
    return { kind: 'electron', api: win.workbench, status: ref('open'), onReconnect: () => () => undefined, shell: win.workbench.shell ?? null };
  }
  const token = takeToken(win.location, win.sessionStorage, win.history);
  if (!token) return tokenlessHost();
  const client = createWsClient({ url: webSocketUrl(win.location, token) });
  const status = ref<ConnectionStatus>(client.status());
  const reconnectListeners = new Set<() => void>();
  client.onStatus((s, reconnected) => {
    status.value = s;
    if (s === 'open' && reconnected) reconnectListeners.forEach((l) => l());
  });
  return {
    kind: 'browser',
    api: client.api,
    shell: null,
    status,
    onReconnect(listener) {
      reconnectListeners.add(listener);
      return () => reconnectListeners.delete(listener);
    },
  };
}

/** A browser page without a token: no connection is tried (the server would refuse it), every request says why. */
function tokenlessHost(): Host {
  const fail = (method: string) => () => Promise.reject(new ApiError(method, NO_TOKEN_MESSAGE, 'NO_TOKEN'));
  const api = Object.fromEntries(REQUEST_NAMES.map((name) => [name, fail(name)])) as unknown as WorkbenchApi;
  api.onEvent = () => () => undefined;
  return { kind: 'browser', api, shell: null, status: ref('closed'), onReconnect: () => () => undefined, problem: NO_TOKEN_MESSAGE };
}

/** Optional requests (added to the contract later) are offered only when the contract has them. */
export function hasRequest(requests: object, name: string): boolean {
  return name in requests;
}
