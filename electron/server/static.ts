// Browser mode and the desktop protocol: maps a URL path to a file inside the built renderer, refusing anything outside it.
import { promises as fs } from 'node:fs';
import path from 'node:path';

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** A URL path that must not be served; `status` is the HTTP status to answer with. */
export class StaticPathError extends Error {
  override readonly name = 'StaticPathError';

  constructor(message: string, readonly status: 400 | 403 | 404, readonly urlPath: string) {
    super(message);
  }
}

function inside(root: string, file: string): boolean {
  return file === root || file.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * Resolves a still percent-encoded URL path (no query) to a file under `root`.
 * Rejects `..` segments in any encoding, backslashes, NUL bytes, dotfiles and symlinks leading out of `root`.
 * Extensionless paths that match no file fall back to index.html (client-side routes).
 */
export async function resolveStaticFile(root: string, urlPath: string): Promise<{ file: string; contentType: string }> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    throw new StaticPathError('Malformed percent-encoding in path', 400, urlPath);
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) {
    throw new StaticPathError('Invalid path', 400, urlPath);
  }
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..')) throw new StaticPathError('Path leaves the app folder', 403, urlPath);
  if (segments.some((s) => s.startsWith('.') && s !== '.')) throw new StaticPathError('Not found', 404, urlPath);

  const realRoot = await fs.realpath(root);
  const relative = decoded.endsWith('/') ? `${decoded}index.html` : decoded;
  let file = path.resolve(realRoot, `.${relative}`);
  if (!inside(realRoot, file)) throw new StaticPathError('Path leaves the app folder', 403, urlPath);

  if (!(await isFile(file))) {
    const last = segments[segments.length - 1] ?? '';
    if (path.extname(last) !== '') throw new StaticPathError('Not found', 404, urlPath);
    file = path.join(realRoot, 'index.html');
    if (!(await isFile(file))) throw new StaticPathError('Not found', 404, urlPath);
  }
  const real = await fs.realpath(file);
  if (!inside(realRoot, real)) throw new StaticPathError('Path leaves the app folder', 403, urlPath);
  return { file: real, contentType: contentTypeOf(real) };
}
