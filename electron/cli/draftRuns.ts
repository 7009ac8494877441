// CLI: `--model NAME` trains a model draft saved by the app (the drafts folder in the app's data folder).
import os from 'node:os';
import path from 'node:path';
import { DraftError, DraftStore } from '../engine/drafts/store.js';
import { defaultAppDataDir } from '../engine/workbench.js';
import { ExperimentRunSchema, type ExperimentRun } from './experimentConfig.js';

/** Electron's userData folder for this app (its productName), where the desktop app keeps its drafts. */
export function electronAppDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME || os.homedir();
  const base = process.platform === 'win32' ? env.APPDATA || path.join(home, 'AppData', 'Roaming')
    : process.platform === 'darwin' ? path.join(home, 'Library', 'Application Support')
      : env.XDG_CONFIG_HOME || path.join(home, '.config');
  return path.resolve(base, 'Fashion-MNIST Workbench');
}

/**
 * One run of the saved draft `name`, looked up in browser mode's data folder and then the desktop app's; throws
 * DraftError listing the saved drafts of both, or SpecError naming every problem of the draft.
 */
export async function draftRuns(name: string, folders: readonly string[] = [defaultAppDataDir(), electronAppDataDir()]): Promise<ExperimentRun[]> {
  const known: string[] = [];
  for (const dir of folders) {
    const store = new DraftStore(dir);
    try {
      return [ExperimentRunSchema.parse({ model: await store.spec(name) })];
    } catch (err) {
      if (!(err instanceof DraftError) || err.file === undefined || !err.message.startsWith('no model draft named')) throw err;
      known.push(...(await store.list()).drafts.map((d) => `"${d.name}"`));
    }
  }
  const where = folders.map((d) => path.join(d, 'models')).join(' and ');
  throw new DraftError(`no model draft named "${name}"; ${known.length ? `saved drafts: ${known.join(', ')}` : `no drafts are saved in ${where}`}`, name);
}
