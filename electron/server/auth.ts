// Browser mode: the token, Host and Origin checks that keep other sites and other local users out (as Jupyter does).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

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

/**
 * Name of the cookie that earlier versions set. It is never read (a cookie is sent to every port of 127.0.0.1, so
 * any local listener would receive it) and the server expires it when a browser still sends one.
 */
export const STALE_TOKEN_COOKIE = 'fmw_token';

/** True when the Cookie header still carries the token cookie of an earlier version. */
export function hasStaleTokenCookie(header: string | undefined): boolean {
  return (header ?? '').split(';').some((part) => part.trim().startsWith(`${STALE_TOKEN_COOKIE}=`));
}

/** Expires the old cookie in the browser, so it stops travelling to other local servers. */
export function expireStaleTokenCookie(): string {
  return `${STALE_TOKEN_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict`;
}

export type AuthResult =
  | { ok: true }
  | { ok: false; status: 401 | 403; message: string };

export const MISSING_TOKEN_MESSAGE = 'Missing token: open the full URL that `npm run web` printed (it ends in ?token=…).';
export const WRONG_TOKEN_MESSAGE = 'Wrong token: open the URL that the running `npm run web` printed.';

/**
 * Checks the `?token=` query parameter, the only place the token travels: never a cookie, since cookies are not
 * isolated by port and would reach every other server on the same host.
 */
export function checkToken(url: URL, expected: string): AuthResult {
  const given = url.searchParams.get('token');
  if (given === null || given === '') return { ok: false, status: 401, message: MISSING_TOKEN_MESSAGE };
  if (!tokensEqual(given, expected)) return { ok: false, status: 403, message: WRONG_TOKEN_MESSAGE };
  return { ok: true };
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
