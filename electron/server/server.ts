// Browser mode: plain HTTP + WebSocket server binding the contract, with token, Host and Origin checks on every request.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createReadStream } from 'node:fs';
import { WebSocketServer, type WebSocket } from 'ws';
import { WS_PATH } from '../../shared/wire.js';
import type { WorkbenchLike } from '../ipc/contract.js';
import { contentSecurityPolicy } from '../ipc/csp.js';
import { checkHost, checkOrigin, checkToken, generateToken, isLoopbackHostname, tokenCookie } from './auth.js';
import { handleFrame, pushTo } from './socket.js';
import { resolveStaticFile, StaticPathError } from './static.js';

export interface ServerOptions {
  workbench: WorkbenchLike;
  /** The built renderer (dist/renderer); nothing outside it is ever served. */
  staticDir: string;
  token?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Host names besides loopback ones that the Host header may carry (e.g. when reached by machine name). */
  allowedHosts?: readonly string[];
  log?: (line: string) => void;
}

export interface WorkbenchServer {
  host: string;
  port: number;
  token: string;
  /** http://host:port/?token=… — what the user opens. */
  url: string;
  close(): Promise<void>;
}

/** Large enough for a run archive in importRun; the token gate keeps strangers from using it. */
const MAX_FRAME_BYTES = 512 * 1024 * 1024;

function urlHost(host: string): string {
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return h.includes(':') ? `[${h}]` : h;
}

function securityHeaders(req: IncomingMessage): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy({ connectSrc: [`ws://${req.headers.host}`] }),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

function reject(res: ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
  res.end(`${message}\n`);
}

function rejectUpgrade(socket: Duplex, status: number, reason: string, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n`
    + `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export async function createServer(opts: ServerOptions): Promise<WorkbenchServer> {
  const token = opts.token ?? generateToken();
  const host = opts.host ?? '127.0.0.1';
  // Bound to one specific non-loopback address: that address is how browsers will name it.
  const bindName = host.includes(':') ? `[${host}]` : host;
  const wildcard = host === '0.0.0.0' || host === '::';
  const allowedHosts = [...(opts.allowedHosts ?? []), ...(wildcard || isLoopbackHostname(bindName) ? [] : [bindName])];
  const log = opts.log ?? (() => {});
  const clients = new Set<WebSocket>();
  let port = opts.port ?? 0;

  async function serveStatic(req: IncomingMessage, res: ServerResponse, url: URL, setCookie: boolean): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return reject(res, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
    // The raw path, still encoded: URL parsing would already have folded `%2e%2e` away and hidden the attempt.
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    let found: { file: string; contentType: string };
    try {
      found = await resolveStaticFile(opts.staticDir, rawPath.startsWith('/') ? rawPath : url.pathname);
    } catch (err) {
      if (err instanceof StaticPathError) return reject(res, err.status, err.message);
      log(`static: ${(err as Error).message}`);
      return reject(res, 500, 'Could not read the file');
    }
    const headers: Record<string, string> = {
      ...securityHeaders(req),
      'Content-Type': found.contentType,
      'Cache-Control': found.contentType.startsWith('text/html') ? 'no-store' : 'no-cache',
    };
    if (setCookie) headers['Set-Cookie'] = tokenCookie(token);
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    const stream = createReadStream(found.file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  const server = http.createServer((req, res) => {
    if (!checkHost(req.headers.host, port, allowedHosts)) {
      log(`refused HTTP request with Host ${JSON.stringify(req.headers.host)}`);
      return reject(res, 403, 'Host not allowed: open the workbench through 127.0.0.1 or localhost');
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    } catch {
      return reject(res, 400, 'Bad request URL');
    }
    const auth = checkToken(req, url, token);
    if (!auth.ok) return reject(res, auth.status, auth.message);
    if (url.pathname === WS_PATH) return reject(res, 426, 'This endpoint speaks WebSocket', { Upgrade: 'websocket' });
    serveStatic(req, res, url, auth.via === 'query').catch((err) => {
      log(`static: ${(err as Error).message}`);
      if (!res.headersSent) reject(res, 500, 'Internal error');
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (!checkHost(req.headers.host, port, allowedHosts)) {
      return rejectUpgrade(socket, 403, 'Forbidden', 'Host not allowed');
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    } catch {
      return rejectUpgrade(socket, 400, 'Bad Request', 'Bad request URL');
    }
    if (url.pathname !== WS_PATH) return rejectUpgrade(socket, 404, 'Not Found', `WebSocket endpoint is ${WS_PATH}`);
    const auth = checkToken(req, url, token);
    if (!auth.ok) return rejectUpgrade(socket, auth.status, auth.status === 401 ? 'Unauthorized' : 'Forbidden', auth.message);
    if (!checkOrigin(req.headers.origin, req.headers.host)) {
      log(`refused WebSocket from Origin ${JSON.stringify(req.headers.origin)}`);
      return rejectUpgrade(socket, 403, 'Forbidden', 'Origin not allowed');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('message', (data, isBinary) => void handleFrame(ws, opts.workbench, data, isBinary));
      ws.on('close', () => clients.delete(ws));
      ws.on('error', () => clients.delete(ws));
    });
  });

  const unsubscribe = opts.workbench.onEvent((event) => {
    for (const ws of clients) pushTo(ws, event);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err) => {
    unsubscribe();
    throw err;
  });
  port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  return {
    host,
    port,
    token,
    url: `http://${urlHost(host)}:${port}/?token=${token}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        unsubscribe();
        for (const ws of clients) ws.terminate();
        clients.clear();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
