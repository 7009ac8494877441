// Desktop shell and browser mode: the one Content-Security-Policy both serve the renderer with.

/**
 * Scripts only from the app itself (no inline, no eval, nothing remote). Inline styles stay allowed because
 * Vue and ECharts set element styles at run time; images allow data:/blob: for canvases turned into pictures.
 */
export function contentSecurityPolicy(opts: { connectSrc?: readonly string[] } = {}): string {
  const connect = ["'self'", ...(opts.connectSrc ?? [])].join(' ');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${connect}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
