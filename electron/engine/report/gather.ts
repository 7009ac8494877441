// Report inputs from a run store and the data set (engine/report): what the CLI and the app hand to generateReport.
import { IMAGE_PIXELS } from '../../../shared/classes.js';
import { DEFAULT_DATA_CONFIG } from '../../../shared/hyper.js';
import type { Predictions, RunDetail } from '../../../shared/run.js';
import type { DatasetStats } from '../../../shared/data.js';
import { RunStore } from '../runs/store.js';
import { runColorIndex } from '../../../shared/charts/theme.js';
import { loadFashionMnist, type FashionMnist } from '../data/dataset.js';
import { defaultCacheDir } from '../data/locate.js';
import { makeSplit } from '../data/split.js';
import { computeStats } from '../data/stats.js';
import { ReportError } from './errors.js';
import type { ReportInput } from './input.js';
import { gatherInsight } from './insightInput.js';
import pkg from '../../../package.json' with { type: 'json' };
import { gatherExplanations, type ExplainFn, type RunExplanations } from './explanations.js';
import { explainInProcess } from '../explain/inProcess.js';

export interface GatherOptions {
  runsDir: string;
  runIds: readonly string[];
  title?: string;
  /** The app's data-folder setting (explicit); otherwise the usual search order (env, cache, Debian package). */
  dataDir?: string | null;
  env?: NodeJS.ProcessEnv;
  /**
   * The app's own strictness (full-size data with the published checksums); default from FASHION_MNIST_STRICT.
   * Never taken from a run: an imported run's "test-fixture" kind must not relax the checks.
   */
  strictData?: boolean;
  /** Computes Grad-CAM for the report (the app passes its explanation worker); default: in this thread. */
  explain?: ExplainFn;
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

/**
 * The data set for the report's images: always from the app's own location (its setting, then the usual search),
 * never from a folder or data kind a run recorded (an imported run's config is someone else's file). The data
 * found must carry the checksums the app expects (the published ones when strict) and those the runs recorded.
 */
async function loadData(runs: readonly RunDetail[], opts: GatherOptions, warnings: string[]): Promise<FashionMnist | null> {
  const env = opts.env ?? process.env;
  const strict = opts.strictData ?? env.FASHION_MNIST_STRICT !== '0';
  const leftOut = 'the report leaves out class distribution, samples, mean images and mistake images';
  let ds: FashionMnist;
  try {
    ds = await loadFashionMnist({ dataDir: opts.dataDir ?? null, env, cacheDir: defaultCacheDir(env), download: false, strict });
  } catch (err) {
    warnings.push(`data set not loaded, so ${leftOut}: ${(err as Error).message}`);
    return null;
  }
  if (strict && !ds.source.verified) {
    warnings.push(`the data set in ${ds.source.dir} does not match the published Fashion-MNIST checksums, so ${leftOut}`);
    return null;
  }
  for (const run of runs) {
    const recorded = run.begin?.dataSource.sha256 ?? {};
    const differs = Object.entries(recorded).filter(([stem, sum]) => ds.source.sha256[stem] !== undefined && ds.source.sha256[stem] !== sum);
    if (differs.length > 0) {
      warnings.push(`run ${run.summary.id} was trained on other data than the data set in ${ds.source.dir} (${differs.map(([stem]) => stem).join(', ')} checksums differ), so ${leftOut}`);
      return null;
    }
  }
  return ds;
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
  const insight = await gatherInsight(store, runs, ds, opts.strictData ?? (opts.env ?? process.env).FASHION_MNIST_STRICT !== '0', warnings);
  let explanations: RunExplanations[] | undefined;
  if (ds) explanations = await gatherExplanations(runs, predictions, opts.explain ?? explainInProcess(store, ds), warnings);
  return {
    input: {
      insight,
      title: opts.title?.trim() || defaultTitle(runs),
      runs,
      predictions,
      datasetStats,
      sampleImages,
      testImages,
      appVersion: pkg.version,
      colorIndex: runColorIndex(await store.list()),
      explanations,
    },
    warnings,
  };
}
