// Desktop shell: decides whether an IPC message or navigation target belongs to the app's own content.

interface TrustedOrigin { protocol: string; host: string; pathPrefix: string }

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * Builds a check for URLs served by the app itself, e.g. `app://workbench/` or `file:///…/dist/renderer/`.
 * Compares scheme, host and path prefix, because custom schemes have an opaque ("null") origin in WHATWG URLs.
 */
export function createUrlCheck(trusted: readonly string[]): (url: string | null | undefined) => boolean {
  const origins: TrustedOrigin[] = trusted.map((t) => {
    const u = parse(t);
    if (!u) throw new Error(`Not a URL: ${t}`);
    const pathPrefix = u.pathname.endsWith('/') ? u.pathname : `${u.pathname}/`;
    return { protocol: u.protocol, host: u.host, pathPrefix };
  });
  return (url) => {
    if (!url) return false;
    const u = parse(url);
    if (!u || u.username || u.password) return false;
    // A bare origin (`app://workbench`, as permission checks pass it) parses with an empty path in Node, "/" in Chromium.
    const pathname = u.pathname === '' ? '/' : u.pathname;
    return origins.some((o) => u.protocol === o.protocol && u.host === o.host && pathname.startsWith(o.pathPrefix));
  };
}

/** Links the app may hand to the OS browser: https only, no credentials in the URL. */
export function isSafeExternalUrl(url: string): boolean {
  const u = parse(url);
  return !!u && u.protocol === 'https:' && !u.username && !u.password && u.hostname.length > 0;
}

/**
 * Builds a check for the links the app itself shows (menu, pages): only those go to shell.openExternal, so content
 * that got into the renderer cannot make the OS open arbitrary sites. Compares whole normalised URLs.
 */
export function createExternalLinkCheck(links: readonly string[]): (url: string) => boolean {
  const known = new Set(links.map((l) => {
    if (!isSafeExternalUrl(l)) throw new Error(`Not a safe external link: ${l}`);
    return new URL(l).href;
  }));
  return (url) => isSafeExternalUrl(url) && known.has(new URL(url).href);
}
