// Report inputs from a run store and the data set (engine/report): what the CLI and the app hand to generateReport.
import { existsSync } from 'node:fs';
import { IMAGE_PIXELS } from '../../../shared/classes.js';
import { DEFAULT_DATA_CONFIG } from '../../../shared/hyper.js';
import type { Predictions, RunDetail } from '../../../shared/run.js';
import type { DatasetStats } from '../../../shared/data.js';
import { RunStore } from '../runs/store.js';
import { loadFromDir, loadFashionMnist, type FashionMnist } from '../data/dataset.js';
import { defaultCacheDir } from '../data/locate.js';
import { makeSplit } from '../data/split.js';
import { computeStats } from '../data/stats.js';
import { ReportError } from './errors.js';
import type { ReportInput } from './input.js';
import pkg from '../../../package.json' with { type: 'json' };

export interface GatherOptions {
  runsDir: string;
  runIds: readonly string[];
  title?: string;
  /** Where to look for Fashion-MNIST when the folder the runs recorded is gone. */
  dataDir?: string | null;
  env?: NodeJS.ProcessEnv;
}

export interface Gathered {
  input: ReportInput;
  /** Things left out of the report, in words for the user (missing predictions, data set not found). */
  warnings: string[];
}

/** "seed-ann vs seed-cnn": the distinct run or group names, in order. */
export function defaultTitle(runs: readonly RunDetail[]): string {
  const names = [...new Set(runs.map((r) => r.config?.request.name ?? r.config?.request.preset ?? r.summary.name))];
  if (names.length === 0) return 'Fashion-MNIST report';
  return names.length <= 4 ? names.join(' vs ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

/** The data the runs were trained on: the folder they recorded, else wherever the data set is found now. */
async function loadData(runs: readonly RunDetail[], opts: GatherOptions, warnings: string[]): Promise<FashionMnist | null> {
  const recorded = runs.map((r) => r.begin?.dataSource).find((s) => s);
  const strict = recorded?.kind !== 'test-fixture';
  try {
    if (recorded && existsSync(recorded.dir)) return await loadFromDir(recorded.dir, recorded.kind, { strict });
    return await loadFashionMnist({ dataDir: opts.dataDir ?? null, env: opts.env ?? process.env, cacheDir: defaultCacheDir(opts.env ?? process.env), download: false, strict });
  } catch (err) {
    warnings.push(`data set not loaded, so the report leaves out class distribution, samples, mean images and mistake images: ${(err as Error).message}`);
    return null;
  }
}

export async function gatherReportInput(opts: GatherOptions): Promise<Gathered> {
  if (opts.runIds.length === 0) throw new ReportError('name at least one run id', 'input');
  const store = new RunStore(opts.runsDir);
  const warnings: string[] = [];
  const runs: RunDetail[] = [];
  for (const id of opts.runIds) {
    try {
      runs.push(await store.get(id));
    } catch (err) {
      throw new ReportError(`run ${id} could not be read from ${store.root}: ${(err as Error).message}`, id, { cause: err });
    }
  }
  const predictions: (Predictions | null)[] = [];
  for (const run of runs) {
    try {
      predictions.push(await store.predictions(run.summary.id));
    } catch (err) {
      // A run that never finished has no predictions; say so instead of failing the whole report.
      predictions.push(null);
      if (run.test) warnings.push(`run ${run.summary.id}: predictions unreadable (${(err as Error).message}); McNemar's test and its mistake gallery are left out`);
    }
  }

  const ds = await loadData(runs, opts, warnings);
  let datasetStats: DatasetStats | null = null;
  let sampleImages: ReportInput['sampleImages'] = null;
  let testImages: ReportInput['testImages'];
  if (ds) {
    const dataConfig = runs.find((r) => r.config)?.config?.request.data ?? DEFAULT_DATA_CONFIG;
    datasetStats = computeStats(ds, makeSplit(dataConfig, ds.trainCount, ds.testCount));
    const flat = datasetStats.sampleIndices.flat();
    const pixels = new Uint8Array(flat.length * IMAGE_PIXELS);
    flat.forEach((idx, i) => pixels.set(ds.trainImages.subarray(idx * IMAGE_PIXELS, (idx + 1) * IMAGE_PIXELS), i * IMAGE_PIXELS));
    sampleImages = { indices: datasetStats.sampleIndices, pixels };
    testImages = (index: number) => {
      if (!Number.isInteger(index) || index < 0 || index >= ds.testCount) throw new ReportError(`test image ${index} is outside the test set (0–${ds.testCount - 1})`, 'images');
      return ds.testImages.subarray(index * IMAGE_PIXELS, (index + 1) * IMAGE_PIXELS);
    };
  }
  return {
    input: {
      title: opts.title?.trim() || defaultTitle(runs),
      runs,
      predictions,
      datasetStats,
      sampleImages,
      testImages,
      appVersion: pkg.version,
    },
    warnings,
  };
}
