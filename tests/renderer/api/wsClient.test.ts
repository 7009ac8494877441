import { describe, expect, it, vi, beforeEach, afterEach } from 'vitest';
import { createWsClient } from '../../../renderer/src/api/wsClient.js';
import { ApiError } from '../../../renderer/src/api/errors.js';
import { NO_TOKEN_MESSAGE, takeToken, webSocketUrl, TOKEN_STORAGE_KEY } from '../../../renderer/src/api/token.js';
import { createHost } from '../../../renderer/src/api/host.js';

/** A WebSocket stand-in: records what is sent, and lets the test open, answer and drop it. */
class FakeSocket {
  static OPEN = 1;
  static instances: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
  }
  send(text: string) {
    this.sent.push(text);
  }
  close() {
    this.drop(1000);
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  receive(msg: unknown) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  drop(code = 1006, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  frames() {
    return this.sent.map((s) => JSON.parse(s) as { id: number; method: string; params: unknown });
  }
}

const make = () => createWsClient({ url: 'ws://127.0.0.1:1/ws?token=t', WebSocketImpl: FakeSocket as unknown as typeof WebSocket, backoffMs: [10] });

describe('WebSocket client', () => {
  beforeEach(() => {
    FakeSocket.instances = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('sends wire requests once open and resolves each by its id', async () => {
    const c = make();
    const sock = FakeSocket.instances[0];
    const settings = c.api.getSettings({});
    const runs = c.api.listRuns({});
    expect(sock.sent).toHaveLength(0);
    sock.open();
    const [f1, f2] = sock.frames();
    expect(f1).toMatchObject({ method: 'getSettings', params: {} });
    expect(f2.method).toBe('listRuns');
    sock.receive({ id: f2.id, ok: true, result: [] });
    sock.receive({ id: f1.id, ok: true, result: { dataDir: null, theme: 'dark', maxConcurrentRuns: 2 } });
    await expect(runs).resolves.toEqual([]);
    await expect(settings).resolves.toMatchObject({ theme: 'dark' });
  });

  it('rejects with an ApiError carrying the server message and code', async () => {
    const c = make();
    const sock = FakeSocket.instances[0];
    sock.open();
    const p = c.api.getRun({ runId: 'nope' });
    sock.receive({ id: sock.frames()[0].id, ok: false, error: { message: 'run nope not found', code: 'NOT_FOUND' } });
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ message: 'run nope not found', code: 'NOT_FOUND', method: 'getRun' });
  });

  it('hands pushed events to every listener until unsubscribed', () => {
    const c = make();
    const sock = FakeSocket.instances[0];
    sock.open();
    const a = vi.fn();
    const off = c.api.onEvent(a);
    const push = { kind: 'dataProgress', progress: { file: 'f', receivedBytes: 1, totalBytes: 2, url: 'u' } };
    sock.receive({ push });
    off();
    sock.receive({ push });
    expect(a).toHaveBeenCalledTimes(1);
    expect(a).toHaveBeenCalledWith(push);
  });

  it('fails requests in flight when the connection drops, then reconnects and reports it', async () => {
    const c = make();
    const statuses: Array<[string, boolean]> = [];
    c.onStatus((s, re) => statuses.push([s, re]));
    FakeSocket.instances[0].open();
    const p = c.api.listRuns({});
    FakeSocket.instances[0].drop(1006);
    await expect(p).rejects.toThrow(/listRuns failed: connection closed/);
    expect(c.status()).toBe('closed');
    vi.advanceTimersByTime(10);
    expect(FakeSocket.instances).toHaveLength(2);
    FakeSocket.instances[1].open();
    expect(statuses.at(-1)).toEqual(['open', true]);
    c.close();
  });

  it('says when the server closed for a too-big message, with the limit it gave', async () => {
    const c = make();
    FakeSocket.instances[0].open();
    const p = c.api.importRun({ archive: 'AAAA' });
    FakeSocket.instances[0].drop(1009, 'Message too big: the limit is 341.4 MiB (a run archive up to 256 MiB)');
    await expect(p).rejects.toMatchObject({ code: 'TOO_LARGE', message: 'importRun failed: Message too big: the limit is 341.4 MiB (a run archive up to 256 MiB)' });
    c.close();
  });

  it('refuses to send a message over the frame limit, naming the archive limit, and keeps the connection', async () => {
    const c = createWsClient({ url: 'ws://x/ws?token=t', WebSocketImpl: FakeSocket as unknown as typeof WebSocket, maxFrameBytes: 1000 });
    const sock = FakeSocket.instances[0];
    sock.open();
    const err = await c.api.importRun({ archive: 'A'.repeat(2000) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'TOO_LARGE', message: expect.stringMatching(/importRun is too large to send.*a run archive up to 256\.0 MiB/) });
    expect(sock.sent).toHaveLength(0);
    expect(c.status()).toBe('open');
    c.close();
  });

  it('keeps at most maxInFlight requests on the wire and sends the rest as replies arrive', async () => {
    const c = createWsClient({ url: 'ws://x/ws?token=t', WebSocketImpl: FakeSocket as unknown as typeof WebSocket, maxInFlight: 2 });
    const sock = FakeSocket.instances[0];
    sock.open();
    const calls = [c.api.listRuns({}), c.api.listRuns({}), c.api.listRuns({})];
    expect(sock.sent).toHaveLength(2);
    sock.receive({ id: sock.frames()[0].id, ok: true, result: [] });
    expect(sock.sent).toHaveLength(3);
    sock.receive({ id: sock.frames()[1].id, ok: true, result: [] });
    sock.receive({ id: sock.frames()[2].id, ok: true, result: [] });
    await expect(Promise.all(calls)).resolves.toEqual([[], [], []]);
    c.close();
  });

  it('tells a page that never connected to open the URL the server printed', async () => {
    const c = make();
    const p = c.api.listRuns({});
    FakeSocket.instances[0].drop(1006);
    await expect(p).rejects.toThrow(/could not connect to the engine.*open the new URL it printed/);
    c.close();
  });

  it('says when the server refused the token', async () => {
    const c = make();
    const p = c.api.listRuns({});
    FakeSocket.instances[0].drop(1008);
    await expect(p).rejects.toThrow(/refused the token/);
    c.close();
  });
});

describe('host without a token', () => {
  it('opens no socket, shows why, and fails every request with that message', async () => {
    FakeSocket.instances = [];
    const store = new Map<string, string>();
    const win = {
      location: { search: '', href: 'http://127.0.0.1:9/', protocol: 'http:', host: '127.0.0.1:9' },
      sessionStorage: { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) },
      history: { replaceState: vi.fn() },
    } as unknown as Window;
    const h = createHost(win);
    expect(h.kind).toBe('browser');
    expect(h.problem).toBe(NO_TOKEN_MESSAGE);
    expect(h.problem).toMatch(/npm run web.*\?token=/);
    expect(h.status.value).toBe('closed');
    await expect(h.api.listRuns({})).rejects.toMatchObject({ code: 'NO_TOKEN', message: NO_TOKEN_MESSAGE });
  });
});

describe('token', () => {
  it('moves ?token= into session storage and out of the address bar', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) } as Storage;
    const replace = vi.fn();
    const t = takeToken({ search: '?token=abc&x=1', href: 'http://127.0.0.1:9/?token=abc&x=1#/data' }, storage, { replaceState: replace });
    expect(t).toBe('abc');
    expect(store.get(TOKEN_STORAGE_KEY)).toBe('abc');
    expect(replace).toHaveBeenCalledWith(null, '', '/?x=1#/data');
    // After the reload the URL has no token; the stored one is used.
    expect(takeToken({ search: '', href: 'http://127.0.0.1:9/' }, storage, null)).toBe('abc');
  });
  it('builds ws:// or wss:// URLs to /ws with the token', () => {
    expect(webSocketUrl({ protocol: 'http:', host: '127.0.0.1:8765' }, 'a b')).toBe('ws://127.0.0.1:8765/ws?token=a%20b');
    expect(webSocketUrl({ protocol: 'https:', host: 'gpu.example:443' }, null)).toBe('wss://gpu.example:443/ws');
  });
});
