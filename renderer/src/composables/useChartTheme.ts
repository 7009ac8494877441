// Renderer composable: the shared chart theme matching the app's light or dark look, and each run's colour.
import { computed } from 'vue';
import { themeByName, runColor, type ChartTheme } from '../../../shared/charts/theme.js';
import { useSettingsStore } from '../stores/settings.js';
import { useRunsStore } from '../stores/runs.js';

export function useChartTheme() {
  const settings = useSettingsStore();
  const runs = useRunsStore();
  const theme = computed<ChartTheme>(() => themeByName(settings.theme));
  /** A run's colour, the same in every chart and table (by creation order). */
  function colorOf(runId: string): string {
    return runColor(runs.colorIndex.get(runId) ?? 0, theme.value);
  }
  /** Colours for runs shown together: stable ones, unless two would clash, then by position. */
  function colorsFor(runIds: readonly string[]): string[] {
    const stable = runIds.map(colorOf);
    return new Set(stable).size === stable.length ? stable : runIds.map((_, i) => runColor(i, theme.value));
  }
  return { theme, colorOf, colorsFor };
}
