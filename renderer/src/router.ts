// Renderer navigation: a small hash router (#/view?key=value) so a reload or a link lands on the same screen.
import { reactive, readonly } from 'vue';

export const VIEWS = ['data', 'models', 'train', 'compare', 'inspect', 'runs', 'sweeps'] as const;
export type ViewName = (typeof VIEWS)[number];

export interface Route {
  view: ViewName;
  query: Record<string, string>;
}

export function parseHash(hash: string): Route {
  const body = hash.replace(/^#\/?/, '');
  const [path, search = ''] = body.split('?');
  const view = (VIEWS as readonly string[]).includes(path) ? (path as ViewName) : 'data';
  const query: Record<string, string> = {};
  new URLSearchParams(search).forEach((v, k) => {
    query[k] = v;
  });
  return { view, query };
}

export function formatHash(view: ViewName, query: Record<string, string | number | null | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== null && v !== undefined && v !== '') params.set(k, String(v));
  const s = params.toString();
  return `#/${view}${s ? `?${s}` : ''}`;
}

const state = reactive<Route>(parseHash(typeof window === 'undefined' ? '' : window.location.hash));

function sync() {
  const r = parseHash(window.location.hash);
  state.view = r.view;
  state.query = r.query;
}

if (typeof window !== 'undefined') window.addEventListener('hashchange', sync);

export function useRoute(): Readonly<Route> {
  return readonly(state) as Readonly<Route>;
}

export function navigate(view: ViewName, query: Record<string, string | number | null | undefined> = {}): void {
  const hash = formatHash(view, query);
  if (window.location.hash === hash) return;
  window.location.hash = hash;
  sync();
}

/** Updates the query of the current view without adding a history entry. */
export function replaceQuery(query: Record<string, string | number | null | undefined>): void {
  const hash = formatHash(state.view, query);
  window.history.replaceState(null, '', hash);
  sync();
}
