// Renderer: what the desktop menu's commands mean on screen (browser mode has no menu, so nothing subscribes there).
import type { ShellCommand } from '../../shared/shell.js';
import { host } from './api/host.js';
import { navigate } from './router.js';
import { useRunsStore } from './stores/runs.js';
import { useSettingsStore } from './stores/settings.js';
import { useDatasetStore } from './stores/dataset.js';

/** Set by the Compare view while it is shown: File → Export report exports its current selection. */
let exportHandler: (() => void) | null = null;
export function setExportReportHandler(fn: (() => void) | null): void {
  exportHandler = fn;
}

export function handleShellCommand(cmd: ShellCommand): void {
  switch (cmd.command) {
    case 'newExperiment':
      navigate('train');
      break;
    case 'openRun':
      void useRunsStore().refreshList();
      navigate('train', { run: cmd.runId });
      break;
    case 'exportReport':
      if (exportHandler) exportHandler();
      else navigate('compare');
      break;
    case 'settingsChanged':
      useSettingsStore().settings = cmd.settings;
      void useDatasetStore().refresh();
      break;
  }
}

/** Subscribes to menu commands when running in the desktop shell; returns the unsubscribe function. */
export function listenToShell(): () => void {
  const shell = host().shell;
  return shell ? shell.onCommand(handleShellCommand) : () => undefined;
}
