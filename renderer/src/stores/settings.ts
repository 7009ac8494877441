// Renderer store (settings and environment): persisted settings, the resolved theme, and the backend in use and why.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ResponseOf, Settings } from '../../../shared/api.js';
import { api } from '../api/host.js';
import { errorMessage } from '../api/errors.js';

export type Environment = ResponseOf<'getEnvironment'>;

export const useSettingsStore = defineStore('settings', () => {
  const settings = ref<Settings | null>(null);
  const environment = ref<Environment | null>(null);
  const error = ref<string | null>(null);
  /** What the OS asks for (prefers-color-scheme), tracked live. */
  const systemDark = ref(false);

  const theme = computed<'light' | 'dark'>(() => {
    const pref = settings.value?.theme ?? 'system';
    if (pref === 'system') return systemDark.value ? 'dark' : 'light';
    return pref;
  });

  async function load() {
    try {
      const [s, env] = await Promise.all([api().getSettings({}), api().getEnvironment({})]);
      settings.value = s;
      environment.value = env;
      error.value = null;
    } catch (err) {
      error.value = errorMessage(err);
    }
  }

  async function update(patch: Partial<Settings>) {
    settings.value = await api().setSettings(patch);
  }

  /** Follows the OS colour scheme; returns the stop function. */
  function watchSystemTheme(win: Window = window): () => void {
    const mq = win.matchMedia?.('(prefers-color-scheme: dark)');
    if (!mq) return () => undefined;
    systemDark.value = mq.matches;
    const onChange = (e: MediaQueryListEvent) => {
      systemDark.value = e.matches;
    };
    mq.addEventListener('change', onChange);
    return () => mq.removeEventListener('change', onChange);
  }

  return { settings, environment, error, systemDark, theme, load, update, watchSystemTheme };
});
