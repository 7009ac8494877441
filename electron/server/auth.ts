// Browser mode: the token, Host and Origin checks that keep other sites and other local users out (as Jupyter does).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TOKEN_COOKIE } from '../../shared/wire.js';

/** 256 random bits, hex; well above the 128 bits a guess must beat. */
export function generateToken(): string {
  return randomBytes(32).toString('hex');
}

/** Constant-time comparison; hashing first makes the lengths equal, so the time leaks neither content nor length. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

export type AuthResult =
  | { ok: true; via: 'query' | 'cookie' }
  | { ok: false; status: 401 | 403; message: string };

/** Checks the token from `?token=` (preferred) or the session cookie. */
export function checkToken(req: IncomingMessage, url: URL, expected: string): AuthResult {
  const fromQuery = url.searchParams.get('token');
  const fromCookie = parseCookies(req.headers.cookie).get(TOKEN_COOKIE);
  const given = fromQuery ?? fromCookie;
  if (given === undefined || given === '') {
    return { ok: false, status: 401, message: 'Missing token: open the full URL that `npm run web` printed (it ends in ?token=…).' };
  }
  if (!tokensEqual(given, expected)) {
    return { ok: false, status: 403, message: 'Wrong token: open the URL that the running `npm run web` printed.' };
  }
  return { ok: true, via: fromQuery !== null ? 'query' : 'cookie' };
}

const LOOPBACK_NAMES = new Set(['localhost', '[::1]', '::1']);

export function isLoopbackHostname(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  return LOOPBACK_NAMES.has(h) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Hostname and port of a Host header, or null when it is not a plain host[:port]. */
export function parseHostHeader(host: string | undefined): { hostname: string; port: number } | null {
  if (!host || /[\s/@?#\\]/.test(host)) return null;
  try {
    const u = new URL(`http://${host}`);
    return { hostname: u.hostname.toLowerCase(), port: u.port === '' ? 80 : Number(u.port) };
  } catch {
    return null;
  }
}

/**
 * DNS-rebinding defence: the Host header must name this server by a loopback name (or one the user allowed
 * with --allow-host) and carry the port the server listens on.
 */
export function checkHost(host: string | undefined, port: number, allowedHosts: readonly string[] = []): boolean {
  const parsed = parseHostHeader(host);
  if (!parsed || parsed.port !== port) return false;
  return isLoopbackHostname(parsed.hostname) || allowedHosts.some((h) => h.toLowerCase() === parsed.hostname);
}

/** A WebSocket must come from a page this server served: its Origin must be http://<the Host it connects to>. */
export function checkOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (!origin || !host) return false;
  const parsedHost = parseHostHeader(host);
  if (!parsedHost) return false;
  try {
    const o = new URL(origin);
    const port = o.port === '' ? (o.protocol === 'http:' ? 80 : 443) : Number(o.port);
    return o.protocol === 'http:' && o.hostname.toLowerCase() === parsedHost.hostname && port === parsedHost.port && o.origin === origin.toLowerCase();
  } catch {
    return false;
  }
}
