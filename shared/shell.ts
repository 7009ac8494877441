// Desktop-shell extras that the Electron preload adds to window.workbench (absent in browser mode): menu commands and native dialogs.
import { z } from 'zod';
import { SettingsSchema, type WorkbenchApi } from './api.js';
import { RunIdSchema } from './run.js';

/**
 * Commands the application menu sends to the renderer. The renderer decides what each means on screen;
 * a command it does not know is ignored, so new ones can be added without breaking older renderers.
 */
export const ShellCommandSchema = z.discriminatedUnion('command', [
  /** File → New experiment: show the Train view with a fresh form. */
  z.object({ command: z.literal('newExperiment') }),
  /** A run was opened or imported from the menu: show it. */
  z.object({ command: z.literal('openRun'), runId: RunIdSchema }),
  /** File → Export report: the Compare view exports its current selection (it alone knows which runs). */
  z.object({ command: z.literal('exportReport') }),
  /** Settings changed outside the renderer (e.g. data folder picked from the menu): reload them. */
  z.object({ command: z.literal('settingsChanged'), settings: SettingsSchema }),
]);
export type ShellCommand = z.infer<typeof ShellCommandSchema>;

/** IPC channels of the shell extras; under the same prefix as the contract's channels. */
export const SHELL_COMMAND_CHANNEL = 'workbench:shell:command';
export const SHELL_CHOOSE_DATA_DIR_CHANNEL = 'workbench:shell:chooseDataDir';

export const ChooseDataDirResultSchema = z.object({ cancelled: z.boolean(), settings: SettingsSchema });
export type ChooseDataDirResult = z.infer<typeof ChooseDataDirResultSchema>;

/**
 * What Electron adds beyond the contract, as `window.workbench.shell`.
 *
 * Files in the desktop app go through native dialogs in the main process, so two requests behave
 * differently there than in browser mode:
 * - `exportRun` (and `exportReport`, once the contract has it) shows a save dialog and writes the file itself; it answers
 *   with `fileName` = the saved path and the base64 field (`archive`, `pdf`, …) set to '', or `fileName: ''` when the user
 *   cancelled. An empty base64 field means "already saved (or cancelled): nothing left for the renderer to download".
 * - `importRun` with `archive: ''` shows an open dialog and imports the chosen file (rejects with "Import cancelled" if none).
 */
export interface ShellApi {
  /** Subscribe to menu commands; returns the unsubscribe function. */
  onCommand(listener: (command: ShellCommand) => void): () => void;
  /** Pick the Fashion-MNIST folder with a native dialog and store it in the settings. */
  chooseDataDir(): Promise<ChooseDataDirResult>;
}

export type DesktopWorkbenchApi = WorkbenchApi & { shell: ShellApi };
