// Report inputs from the insight service (engine/report): calibration and the PCA embedding of each finished run.
import type { Calibration, Embedding } from '../../../shared/insight.js';
import type { RunDetail } from '../../../shared/run.js';
import type { FashionMnist } from '../data/dataset.js';
import { RunStore } from '../runs/store.js';
import { InsightService } from '../insight/service.js';
import type { ReportInput } from './input.js';

/**
 * Computed in the insight worker from each run's saved model (cached in the run folder, so a second report reads
 * files). Needs the data set the report already loaded; a run that fails is left out with a warning.
 */
export async function gatherInsight(store: RunStore, runs: readonly RunDetail[], ds: FashionMnist | null, strict: boolean, warnings: string[]): Promise<ReportInput['insight']> {
  const calibration = new Map<string, Calibration>();
  const embeddings = new Map<string, Embedding>();
  const finished = runs.filter((r) => r.test && r.summary.status === 'finished');
  if (!ds) {
    if (finished.length > 0) warnings.push('data set not loaded, so the calibration section and the embedding plots are left out');
    return { calibration, embeddings };
  }
  const service = new InsightService({ store, resolveData: async () => ({ dir: ds.source.dir, kind: ds.source.kind, strict }) });
  try {
    for (const run of finished) {
      const id = run.summary.id;
      try {
        calibration.set(id, await service.calibration(id));
        embeddings.set(id, await service.embedding(id, 'pca'));
      } catch (err) {
        warnings.push(`run ${id}: calibration and embedding left out (${(err as Error).message})`);
      }
    }
  } finally {
    await service.close();
  }
  return { calibration, embeddings };
}
