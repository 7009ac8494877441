// Raw HTTP/WebSocket clients for the browser-mode server tests (raw, so paths and headers go out exactly as written).
import http from 'node:http';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import type { WireMessage } from '../../../shared/wire.js';
import type { ReplyAsRead } from '../fakes.js';

export interface RawResponse { status: number; headers: http.IncomingHttpHeaders; body: string }

export function rawGet(port: number, urlPath: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a WebSocket; resolves with the socket, or with the HTTP status the upgrade was refused with. */
export function openSocket(url: string, headers: Record<string, string> = {}, origin?: string): Promise<{ ws?: WebSocket; status?: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, ...(origin ? { origin } : {}) });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode });
      res.resume();
      ws.terminate();
    });
    ws.once('error', (err) => {
      if (ws.readyState !== WebSocket.CLOSED) reject(err);
    });
  });
}

/** A reply frame as the tests read it (see ReplyAsRead): the request's id beside both outcomes' fields. */
export interface WireReplyAsRead extends ReplyAsRead {
  id: number;
}

/** Collects messages so a test can await the next one matching a predicate. */
export class Inbox {
  private messages: WireMessage[] = [];
  private waiters: { match: (m: WireMessage) => boolean; resolve: (m: WireMessage) => void }[] = [];

  constructor(ws: WebSocket) {
    ws.on('message', (data) => {
      // What the server sends, taken at its word: server.test.ts checks frames against WireMessageSchema itself.
      const m = JSON.parse(data.toString()) as WireMessage;
      const w = this.waiters.find((x) => x.match(m));
      if (w) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(m);
      } else this.messages.push(m);
    });
  }

  next(match: (m: WireMessage) => boolean, timeoutMs = 5000): Promise<WireMessage> {
    const i = this.messages.findIndex(match);
    if (i >= 0) return Promise.resolve(this.messages.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching message')), timeoutMs);
      this.waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  async reply(id: number): Promise<WireReplyAsRead> {
    return (await this.next((m) => 'id' in m && m.id === id)) as WireReplyAsRead;
  }
}

export const SECRET = 'TOP-SECRET-CONTENT-OUTSIDE-THE-RENDERER';

/** tmp/{package.json (secret), renderer/{index.html, assets/app.js, .env}}: the renderer folder is what gets served. */
export function makeSite(): { root: string; staticDir: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'fmw-site-'));
  const staticDir = path.join(root, 'renderer');
  mkdirSync(path.join(staticDir, 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'package.json'), JSON.stringify({ secret: SECRET }));
  writeFileSync(path.join(root, 'renderer-secret.txt'), SECRET);
  writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Workbench</title><script type="module" src="/assets/app.js"></script>');
  writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'console.log("app")');
  writeFileSync(path.join(staticDir, 'assets', 'style.css'), 'body{}');
  writeFileSync(path.join(staticDir, '.env'), SECRET);
  return { root, staticDir };
}
