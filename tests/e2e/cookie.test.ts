// End to end in real Chromium: the browser-mode token travels in no cookie, so other local servers never receive it.
/// <reference lib="dom" />
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { requireInCi } from '../helpers/ciRequire.js';
import { chromiumPath, launchBrowser, startServer, type RunningServer } from './harness.js';

const ready = requireInCi(!!chromiumPath(), 'a chromium binary (Debian package chromium)');

/** The page shows "connected" once its WebSocket to the engine is open (App.vue status line). */
const CONNECTED = '.status-line .dot.open';

/** Another local HTTP server, as any process on the machine could start: records every request it gets. */
async function startListener(): Promise<{ port: number; seen: Array<{ url: string; headers: http.IncomingHttpHeaders }>; close(): Promise<void> }> {
  const seen: Array<{ url: string; headers: http.IncomingHttpHeaders }> = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>other local server</title><p>hello');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** From inside a page: does a WebSocket to /ws (with this query) open? Resolves 'open' or 'refused'. */
function trySocket(query: string): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://${location.host}/ws${query}`);
    ws.onopen = () => {
      ws.close();
      resolve('open');
    };
    ws.onclose = () => resolve('refused');
  });
}

describe.skipIf(!ready)(`the token and cookies in Chromium${ready ? '' : ' (skipped: no chromium binary on PATH)'}`, () => {
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let token: string;
  let origin: string;

  beforeAll(async () => {
    server = await startServer();
    const url = new URL(server.url);
    token = url.searchParams.get('token')!;
    origin = url.origin;
    browser = await launchBrowser();
    context = await browser.newContext();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('after the workbench is opened, a second local listener receives no cookie and no header holding the token', async () => {
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForSelector(CONNECTED, { timeout: 60_000 });
    expect(page.url()).not.toContain(token);

    const listener = await startListener();
    try {
      // The same browser visits another port of 127.0.0.1 (cookies are not isolated by port), as a top-level
      // navigation and through a request from a page there.
      const other = await context.newPage();
      await other.goto(`http://127.0.0.1:${listener.port}/`);
      await other.evaluate(() => fetch('/probe', { credentials: 'include' }).then((r) => r.text()));
      await page.goto(`http://127.0.0.1:${listener.port}/from-the-workbench-tab`);
      // Chromium adds its own /favicon.ico requests; those must be clean too.
      expect(listener.seen.map((s) => s.url).filter((u) => u !== '/favicon.ico')).toEqual(['/', '/probe', '/from-the-workbench-tab']);
      for (const { url, headers } of listener.seen) {
        expect(headers.cookie ?? '', `Cookie header of ${url}`).not.toMatch(/fmw_token/);
        expect(JSON.stringify(headers), `headers of ${url}`).not.toContain(token);
      }
      await other.close();
    } finally {
      await listener.close();
    }
    const cookies = await context.cookies();
    expect(cookies.filter((c) => c.value.includes(token) || c.name === 'fmw_token')).toEqual([]);
    await page.close();
  });

  it('a reload without ?token= still connects (the tab keeps it in sessionStorage)', async () => {
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForSelector(CONNECTED, { timeout: 60_000 });
    expect(page.url()).toBe(`${origin}/`);
    await page.reload();
    await page.waitForSelector(CONNECTED, { timeout: 60_000 });
    expect(await page.evaluate(() => sessionStorage.getItem('fmw_token'))).toBe(token);
    await page.close();
  });

  it('a fresh tab without the token cannot call the API and says how to get the URL', async () => {
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    const notice = page.locator('[data-testid=host-problem]');
    await notice.waitFor({ timeout: 30_000 });
    expect(await notice.innerText()).toMatch(/npm run web.*\?token=/s);
    expect(await page.locator(CONNECTED).count()).toBe(0);
    expect(await page.evaluate(trySocket, '')).toBe('refused');
    expect(await page.evaluate(trySocket, `?token=${'0'.repeat(64)}`)).toBe('refused');
    // The same tab with the token does get in: the refusals above were about the token, nothing else.
    expect(await page.evaluate(trySocket, `?token=${token}`)).toBe('open');
    await page.close();
  });

  it('a token cookie left by an earlier version neither authenticates nor survives a page load', async () => {
    await context.addCookies([{ name: 'fmw_token', value: token, domain: '127.0.0.1', path: '/', httpOnly: true, sameSite: 'Strict' }]);
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    await page.locator('[data-testid=host-problem]').waitFor({ timeout: 30_000 });
    expect(await page.evaluate(trySocket, '')).toBe('refused');
    expect((await context.cookies()).filter((c) => c.name === 'fmw_token')).toEqual([]);
    await page.close();
  });
});
