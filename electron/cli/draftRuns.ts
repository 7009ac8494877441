// CLI: `--model NAME` trains a model draft saved by the app (the drafts folder in the app's data folder).
import { DraftStore } from '../engine/drafts/store.js';
import { defaultAppDataDir } from '../engine/workbench.js';
import { ExperimentRunSchema, type ExperimentRun } from './experimentConfig.js';

/** One run of the saved draft `name`; throws DraftError listing the saved drafts, or SpecError naming every problem. */
export async function draftRuns(name: string, appDataDir: string = defaultAppDataDir()): Promise<ExperimentRun[]> {
  const store = new DraftStore(appDataDir);
  return [ExperimentRunSchema.parse({ model: await store.spec(name) })];
}
