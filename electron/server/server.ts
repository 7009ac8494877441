// Browser mode: plain HTTP (public static renderer) + a WebSocket binding the contract, gated by token, Host and Origin checks.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createReadStream } from 'node:fs';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  CLOSE_TOO_BIG, CLOSE_TRY_LATER, HEARTBEAT_MS, MAX_FRAME_BYTES, MAX_IN_FLIGHT, MAX_SOCKETS, tooBigReason, tooManySocketsReason, WS_PATH,
} from '../../shared/wire.js';
import type { WorkbenchLike } from '../ipc/contract.js';
import { contentSecurityPolicy } from '../ipc/csp.js';
import { checkHost, checkOrigin, checkToken, expireStaleTokenCookie, generateToken, hasStaleTokenCookie, isLoopbackHostname } from './auth.js';
import { pushTo, serveConnection } from './socket.js';
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
  /** Limits (shared/wire.ts has the defaults); tests lower them. */
  maxFrameBytes?: number;
  maxInFlight?: number;
  maxSockets?: number;
  heartbeatMs?: number;
}

export interface WorkbenchServer {
  host: string;
  port: number;
  token: string;
  /** http://host:port/?token=… — what the user opens. */
  url: string;
  close(): Promise<void>;
}

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

  async function serveStatic(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
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
    // A cookie from an earlier version would keep travelling to every port of this host: expire it.
    if (hasStaleTokenCookie(req.headers.cookie)) headers['Set-Cookie'] = expireStaleTokenCookie();
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
    // The built renderer is public (it holds no data); the token guards only the WebSocket, where the data is.
    // A token that is given but wrong still gets a clear 403 (an old URL after a restart).
    if (url.searchParams.has('token')) {
      const auth = checkToken(url, token);
      if (!auth.ok) return reject(res, auth.status, auth.message);
    }
    if (url.pathname === WS_PATH) return reject(res, 426, 'This endpoint speaks WebSocket', { Upgrade: 'websocket' });
    serveStatic(req, res, url).catch((err) => {
      log(`static: ${(err as Error).message}`);
      if (!res.headersSent) reject(res, 500, 'Internal error');
      else res.destroy();
    });
  });

  const maxFrameBytes = opts.maxFrameBytes ?? MAX_FRAME_BYTES;
  const maxSockets = opts.maxSockets ?? MAX_SOCKETS;
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes });
  const alive = new WeakMap<WebSocket, boolean>();

  // A peer that vanished without a close (sleep, network loss) answers no ping: drop it on the next beat.
  const heartbeat = setInterval(() => {
    for (const ws of clients) {
      if (alive.get(ws) === false) {
        log('dropped a WebSocket that did not answer a ping');
        clients.delete(ws);
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, opts.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref();

  function admit(ws: WebSocket): void {
    // ws closes an oversized frame with 1009 and no reason; the client should learn what the limit is.
    const close = ws.close.bind(ws);
    ws.close = (code?: number, reason?: string | Buffer) => close(code, code === CLOSE_TOO_BIG && !reason ? tooBigReason(maxFrameBytes) : reason);
    ws.on('error', (err) => log(`WebSocket: ${err.message}`));
    if (clients.size >= maxSockets) {
      log(`refused a WebSocket: ${clients.size} already open`);
      ws.close(CLOSE_TRY_LATER, tooManySocketsReason(maxSockets));
      return;
    }
    clients.add(ws);
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => clients.delete(ws));
    serveConnection(ws, opts.workbench, { maxInFlight: opts.maxInFlight ?? MAX_IN_FLIGHT });
  }

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
    const auth = checkToken(url, token);
    if (!auth.ok) return rejectUpgrade(socket, auth.status, auth.status === 401 ? 'Unauthorized' : 'Forbidden', auth.message);
    if (!checkOrigin(req.headers.origin, req.headers.host)) {
      log(`refused WebSocket from Origin ${JSON.stringify(req.headers.origin)}`);
      return rejectUpgrade(socket, 403, 'Forbidden', 'Origin not allowed');
    }
    wss.handleUpgrade(req, socket, head, admit);
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
    clearInterval(heartbeat);
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
        clearInterval(heartbeat);
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
