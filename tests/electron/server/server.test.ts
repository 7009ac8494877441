// Browser-mode server with a fake engine: token, Host and Origin checks, static files, and the WebSocket contract.
import { rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WS_PATH, WireMessageSchema } from '../../../shared/wire.js';

/** The cookie name earlier versions set; it must neither be set nor accepted. */
const TOKEN_COOKIE = 'fmw_token';
import { createServer, type WorkbenchServer } from '../../../electron/server/server.js';
import { fakeWorkbench, SAMPLE_EVENT, type FakeWorkbench } from '../fakes.js';
import { Inbox, makeSite, openSocket, rawGet, SECRET } from './helpers.js';

let site: { root: string; staticDir: string };
let wb: FakeWorkbench;
let server: WorkbenchServer;
let origin: string;
let wsUrl: string;

beforeAll(async () => {
  site = makeSite();
  symlinkSync(path.join(site.root, 'package.json'), path.join(site.staticDir, 'escape.json'));
  wb = fakeWorkbench();
  server = await createServer({ workbench: wb, staticDir: site.staticDir, host: '127.0.0.1', port: 0 });
  origin = `http://127.0.0.1:${server.port}`;
  wsUrl = `ws://127.0.0.1:${server.port}${WS_PATH}`;
});

afterAll(async () => {
  await server.close();
  rmSync(site.root, { recursive: true, force: true });
});

const withToken = (p: string) => `${p}${p.includes('?') ? '&' : '?'}token=${server.token}`;

describe('server start', () => {
  it('picks a free port for port 0 and prints a URL carrying a token of at least 128 bits', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token).toMatch(/^[0-9a-f]{64}$/); // 256 bits
  });

  it('makes a different token each time', async () => {
    const other = await createServer({ workbench: fakeWorkbench(), staticDir: site.staticDir, port: 0 });
    expect(other.token).not.toBe(server.token);
    await other.close();
  });
});

describe('HTTP: the token never travels in a cookie', () => {
  it('serves the built renderer without a token (it holds no data), and without setting any cookie', async () => {
    for (const p of ['/', '/assets/app.js', '/compare']) {
      const res = await rawGet(server.port, p);
      expect(res.status, p).toBe(200);
      expect(res.headers['set-cookie'], p).toBeUndefined();
    }
    expect((await rawGet(server.port, '/assets/app.js')).body).toBe('console.log("app")');
  });

  it('serves the printed URL without setting a cookie', async () => {
    const res = await rawGet(server.port, withToken('/'));
    expect(res.status).toBe(200);
    expect(res.body).toContain('<title>Workbench</title>');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(JSON.stringify(res.headers)).not.toContain(server.token);
  });

  it('answers 403 to a wrong ?token= (an old URL after a restart), saying what to open', async () => {
    const wrong = server.token.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
    for (const t of [wrong, 'short']) {
      const res = await rawGet(server.port, `/?token=${t}`);
      expect(res.status).toBe(403);
      expect(res.body).toMatch(/URL that the running `npm run web` printed/);
    }
  });

  it('expires a token cookie left by an earlier version instead of using it', async () => {
    const res = await rawGet(server.port, '/', { Cookie: `other=1; ${TOKEN_COOKIE}=${server.token}` });
    expect(res.status).toBe(200);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(new RegExp(`^${TOKEN_COOKIE}=;`));
    expect(cookie).toContain('Max-Age=0');
    expect(cookie).not.toContain(server.token);
  });
});

describe('HTTP: Host header (DNS rebinding)', () => {
  it.each([
    ['a foreign name', (p: number) => `evil.example:${p}`],
    ['a rebinding name without port', () => 'attacker.example'],
    ['the wrong port', (p: number) => `127.0.0.1:${p + 1}`],
    ['a LAN address', (p: number) => `192.168.1.10:${p}`],
    ['garbage', () => 'a b/c'],
  ])('refuses %s with 403, token or not', async (_label, host) => {
    const res = await rawGet(server.port, withToken('/'), { Host: host(server.port) });
    expect(res.status).toBe(403);
    expect(res.body).not.toContain('<title>');
  });

  it.each(['localhost', '127.0.0.1', '[::1]'])('accepts the loopback name %s', async (name) => {
    expect((await rawGet(server.port, withToken('/'), { Host: `${name}:${server.port}` })).status).toBe(200);
  });
});

describe('HTTP: static files', () => {
  it('sends correct content types and the strict CSP', async () => {
    const js = await rawGet(server.port, withToken('/assets/app.js'));
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect((await rawGet(server.port, withToken('/assets/style.css'))).headers['content-type']).toMatch(/^text\/css/);
    const html = await rawGet(server.port, withToken('/'));
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(html.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toMatch(/connect-src 'self'/);
    expect(html.headers['x-content-type-options']).toBe('nosniff');
  });

  it('falls back to index.html for client-side routes, but 404s missing files', async () => {
    const route = await rawGet(server.port, withToken('/compare'));
    expect(route.status).toBe(200);
    expect(route.body).toContain('<title>Workbench</title>');
    expect((await rawGet(server.port, withToken('/assets/missing.js'))).status).toBe(404);
  });

  it.each([
    '/../package.json',
    '/%2e%2e/package.json',
    '/%2E%2E/package.json',
    '/..%2fpackage.json',
    '/%2e%2e%2fpackage.json',
    '/assets/..%2f..%2fpackage.json',
    '/assets/%2e%2e/%2e%2e/package.json',
    '/..%5cpackage.json',
    '/..\\package.json',
    '/%252e%252e/package.json',
    '/../renderer-secret.txt',
    '/.env',
    '/escape.json',
    '/%00index.html',
    '/%zz',
  ])('never serves anything outside the renderer folder: %s', async (p) => {
    const res = await rawGet(server.port, withToken(p));
    expect([400, 403, 404]).toContain(res.status);
    expect(res.body).not.toContain(SECRET);
  });

  it('allows only GET and HEAD', async () => {
    expect((await rawGet(server.port, withToken('/'), {}, 'POST')).status).toBe(405);
    const head = await rawGet(server.port, withToken('/'), {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });
});

describe('WebSocket: admission', () => {
  it('refuses a connection without a token (401) or with a wrong one (403)', async () => {
    expect((await openSocket(wsUrl, {}, origin)).status).toBe(401);
    expect((await openSocket(`${wsUrl}?token=${'0'.repeat(64)}`, {}, origin)).status).toBe(403);
  });

  it('refuses a foreign, missing or lookalike Origin even with the right token', async () => {
    for (const o of ['http://evil.example', `http://localhost:${server.port}`, `https://127.0.0.1:${server.port}`, `http://127.0.0.1:${server.port + 1}`, 'null']) {
      expect((await openSocket(withToken(wsUrl), {}, o)).status, o).toBe(403);
    }
    expect((await openSocket(withToken(wsUrl))).status).toBe(403);
  });

  it('refuses a bad Host on the upgrade', async () => {
    expect((await openSocket(withToken(wsUrl), { Host: `evil.example:${server.port}` }, `http://evil.example:${server.port}`)).status).toBe(403);
  });

  it('refuses other paths, and plain HTTP on the socket path', async () => {
    expect((await openSocket(withToken(`ws://127.0.0.1:${server.port}/other`), {}, origin)).status).toBe(404);
    expect((await rawGet(server.port, withToken(WS_PATH))).status).toBe(426);
  });

  it('does not accept the token from a cookie (a stale cookie must not authenticate)', async () => {
    expect((await openSocket(wsUrl, { Cookie: `${TOKEN_COOKIE}=${server.token}` }, origin)).status).toBe(401);
    const wrong = '0'.repeat(64);
    expect((await openSocket(`${wsUrl}?token=${wrong}`, { Cookie: `${TOKEN_COOKIE}=${server.token}` }, origin)).status).toBe(403);
  });
});

describe('WebSocket: the contract', () => {
  async function connect() {
    const { ws, status } = await openSocket(withToken(wsUrl), {}, origin);
    if (!ws) throw new Error(`upgrade refused with ${status}`);
    return { ws, inbox: new Inbox(ws) };
  }

  it('answers a request with the engine result, parsed params in between', async () => {
    const { ws, inbox } = await connect();
    ws.send(JSON.stringify({ id: 7, method: 'getRunEvents', params: { runId: 'run-1' } }));
    const reply = await inbox.reply(7);
    expect(reply).toEqual({ id: 7, ok: true, result: { echoed: 'getRunEvents', request: { runId: 'run-1', since: 0 } } });
    expect(WireMessageSchema.safeParse(reply).success).toBe(true);
    ws.close();
  });

  it('pushes engine events to every connected socket', async () => {
    const a = await connect();
    const b = await connect();
    wb.emit(SAMPLE_EVENT);
    expect(await a.inbox.next((m) => 'push' in m)).toEqual({ push: SAMPLE_EVENT });
    expect(await b.inbox.next((m) => 'push' in m)).toEqual({ push: SAMPLE_EVENT });
    a.ws.close();
    b.ws.close();
  });

  it('answers malformed frames with errors that say what is wrong, and keeps serving', async () => {
    const { ws, inbox } = await connect();
    const calls = wb.calls.deleteRun.mock.calls.length;

    ws.send('this is not json');
    expect((await inbox.reply(-1)).error.message).toMatch(/not valid JSON/);

    ws.send(JSON.stringify({ method: 'listRuns', params: {} }));
    expect((await inbox.reply(-1)).error.message).toMatch(/"id"/);

    ws.send(JSON.stringify({ id: 3, method: 42, params: {} }));
    expect((await inbox.reply(3)).error.message).toMatch(/"method"/);

    ws.send(JSON.stringify({ id: 4, method: 'dropDatabase', params: {} }));
    expect((await inbox.reply(4)).error).toMatchObject({ code: 'UNKNOWN_REQUEST', message: 'Unknown request "dropDatabase"' });

    ws.send(JSON.stringify({ id: 5, method: 'toString', params: {} }));
    expect((await inbox.reply(5)).error.code).toBe('UNKNOWN_REQUEST');

    ws.send(JSON.stringify({ id: 6, method: 'deleteRun', params: { runId: '../../home' } }));
    const bad = await inbox.reply(6);
    expect(bad.ok).toBe(false);
    expect(bad.error.message).toMatch(/deleteRun.*"runId"/);

    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await inbox.reply(-1)).error.message).toMatch(/Binary frames/);

    ws.send('[1,2,3]');
    expect((await inbox.reply(-1)).ok).toBe(false);

    expect(wb.calls.deleteRun.mock.calls.length).toBe(calls);
    ws.send(JSON.stringify({ id: 9, method: 'listRuns', params: {} }));
    expect((await inbox.reply(9)).ok).toBe(true);
    ws.close();
  });

  it('turns an engine failure into an error reply', async () => {
    const { ws, inbox } = await connect();
    wb.calls.getRun.mockRejectedValueOnce(Object.assign(new Error('run run-9 not found'), { name: 'StoreError' }));
    ws.send(JSON.stringify({ id: 11, method: 'getRun', params: { runId: 'run-9' } }));
    expect(await inbox.reply(11)).toEqual({ id: 11, ok: false, error: { message: 'run run-9 not found', code: 'StoreError' } });
    ws.close();
  });
});

describe('close', () => {
  it('disconnects sockets, stops listening and unsubscribes from the engine', async () => {
    const local = fakeWorkbench();
    const s = await createServer({ workbench: local, staticDir: site.staticDir, port: 0 });
    const { ws } = await openSocket(`ws://127.0.0.1:${s.port}${WS_PATH}?token=${s.token}`, {}, `http://127.0.0.1:${s.port}`);
    const closed = new Promise((resolve) => ws!.once('close', resolve));
    expect(local.listenerCount()).toBe(1);
    await s.close();
    await closed;
    expect(local.listenerCount()).toBe(0);
    await expect(rawGet(s.port, '/')).rejects.toThrow();
  });
});
