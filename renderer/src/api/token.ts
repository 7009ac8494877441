// Browser mode (renderer/api): the access token from the page URL, kept for reloads, and the WebSocket URL it opens.
import { WS_PATH } from '../../../shared/wire.js';

export const TOKEN_STORAGE_KEY = 'fmw_token';

/**
 * Takes `?token=` from the page URL into sessionStorage (so a reload still connects) and removes it from the
 * address bar, so it does not end up in screenshots or shared links. The token goes only into the WebSocket URL,
 * never into a cookie (cookies reach every port of the host); so a new tab needs the printed URL again.
 */
export function takeToken(loc: Pick<Location, 'search' | 'href'> = window.location, storage: Storage = window.sessionStorage, history: Pick<History, 'replaceState'> | null = window.history): string | null {
  const params = new URLSearchParams(loc.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    storage.setItem(TOKEN_STORAGE_KEY, fromUrl);
    if (history) {
      const url = new URL(loc.href);
      url.searchParams.delete('token');
      history.replaceState(null, '', url.pathname + url.search + url.hash);
    }
    return fromUrl;
  }
  return storage.getItem(TOKEN_STORAGE_KEY);
}

export function webSocketUrl(loc: Pick<Location, 'protocol' | 'host'>, token: string | null): string {
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  const query = token ? `?token=${encodeURIComponent(token)}` : '';
  return `${scheme}://${loc.host}${WS_PATH}${query}`;
}

/** What a page without a token shows instead of the workbench. */
export const NO_TOKEN_MESSAGE =
  'This page has no access token. Open the full URL that `npm run web` printed in its terminal '
  + '(http://127.0.0.1:<port>/?token=…). The token stays in the tab it was opened in, so a new tab needs that URL again.';
