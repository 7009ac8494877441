// The engine facade: implements every request of the contract over the data, model, run and training modules.
// The Electron IPC binding, the browser-mode server and the tests all drive the engine through this.
import { DraftStore } from './drafts/store.js';
import { draftHandlers } from './drafts/handlers.js';
import os from 'node:os';
import path from 'node:path';
import { readFile, mkdir } from 'node:fs/promises';
import type { WorkbenchHandlers, PushEvent, Settings } from '../../shared/api.js';
import { MAX_PATH_LENGTH, SettingsSchema } from '../../shared/api.js';
import { DEFAULT_DATA_CONFIG } from '../../shared/hyper.js';
import type { DatasetStats } from '../../shared/data.js';
import { validateModelSpec } from '../../shared/model/inferShapes.js';
import { RunStore } from './runs/store.js';
import { writeFileAtomic } from './runs/atomic.js';
import { RunManager, type DataLocation } from './train/manager.js';
import { locateDataset, defaultCacheDir } from './data/locate.js';
import { loadFromDir, type FashionMnist } from './data/dataset.js';
import { makeSplit } from './data/split.js';
import { computeStats } from './data/stats.js';
import { PRESETS } from './models/presets.js';
import { selectBackend, availableBackends } from './backend/select.js';
import { webgpuAdapter } from './backend/webgpu.js';
import { collectEnvironment } from './environment.js';
import { gatherReportInput } from './report/gather.js';
import { generateReport, reportFileName } from './report/generate.js';
import { InsightService } from './insight/service.js';
import { ExplainService } from './explain/service.js';

export interface WorkbenchOptions {
  /** The run store; a relative path is taken from the working directory (as a command-line argument is). */
  runsDir: string;
  /** A data folder that overrides the setting (e.g. --data-dir); relative to the working directory. */
  dataDir?: string | null;
  /**
   * The app's own data folder, where settings.json lives (Electron's userData; defaultAppDataDir() for the CLI and
   * browser mode). Never derived from the runs folder: --out may point anywhere.
   */
  appDataDir?: string;
  /** The settings file itself (absolute); default `<appDataDir>/settings.json`. */
  settingsFile?: string;
  mode: 'electron' | 'browser';
  /** False only for tests on small fixture data sets (full-size and checksum checks relaxed). */
  strictData?: boolean;
  maxConcurrent?: number;
  env?: NodeJS.ProcessEnv;
}

export interface Workbench {
  handlers: WorkbenchHandlers;
  onEvent(listener: (e: PushEvent) => void): () => void;
  close(): Promise<void>;
  store: RunStore;
  manager: RunManager;
}

export function defaultRunsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FMW_RUNS_DIR) return path.resolve(env.FMW_RUNS_DIR);
  const base = env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'fashion-workbench', 'runs');
}

/** $XDG_CONFIG_HOME/fashion-workbench (~/.config/fashion-workbench), %APPDATA%\\fashion-workbench on Windows. */
export function defaultAppDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME || os.homedir();
  const base = process.platform === 'win32' ? env.APPDATA || path.join(home, 'AppData', 'Roaming')
    : process.platform === 'darwin' ? path.join(home, 'Library', 'Application Support')
      : env.XDG_CONFIG_HOME || path.join(home, '.config');
  return path.resolve(base, 'fashion-workbench');
}

/** A setting or option that cannot be used as given (a relative or malformed path). */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';

  constructor(message: string, readonly field: string) {
    super(message);
  }
}

/**
 * The data folder a request asks for: absolute (a relative path has no meaning for a desktop app or a browser
 * tab: whose working directory?), without NUL, normalised (no `..`, no trailing slash). Empty means "not set".
 */
export function checkDataDir(value: string | null | undefined): string | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  if (value.length > MAX_PATH_LENGTH) throw new SettingsError(`the data folder path is ${value.length} characters long; the limit is ${MAX_PATH_LENGTH}`, 'dataDir');
  if (value.includes('\0')) throw new SettingsError('the data folder path contains a NUL character', 'dataDir');
  if (!path.isAbsolute(value)) {
    throw new SettingsError(`the data folder must be an absolute path (e.g. /usr/share/datasets/fashion-mnist), not "${value.slice(0, 200)}"`, 'dataDir');
  }
  return path.resolve(value);
}

export function strictDataFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.FASHION_MNIST_STRICT !== '0';
}

export async function createWorkbench(opts: WorkbenchOptions): Promise<Workbench> {
  const env = opts.env ?? process.env;
  const runsDir = path.resolve(opts.runsDir);
  if (opts.settingsFile !== undefined && !path.isAbsolute(opts.settingsFile)) throw new SettingsError(`the settings file must be an absolute path, not "${opts.settingsFile}"`, 'settingsFile');
  if (opts.appDataDir !== undefined && !path.isAbsolute(opts.appDataDir)) throw new SettingsError(`the app data folder must be an absolute path, not "${opts.appDataDir}"`, 'appDataDir');
  const settingsFile = path.resolve(opts.settingsFile ?? path.join(opts.appDataDir ?? defaultAppDataDir(env), 'settings.json'));
  await mkdir(runsDir, { recursive: true });
  const store = new RunStore(runsDir);
  await store.markInterrupted();
  let settings: Settings = await loadSettings(settingsFile, opts.dataDir ? path.resolve(opts.dataDir) : null);
  const listeners = new Set<(e: PushEvent) => void>();
  const push = (e: PushEvent) => listeners.forEach((l) => l(e));
  const strict = opts.strictData ?? strictDataFromEnv(env);

  let dataset: { location: DataLocation; data: FashionMnist; searched: string[] } | null = null;
  let stats: DatasetStats | null = null;

  async function locate(download: boolean) {
    const found = await locateDataset({
      dataDir: settings.dataDir, env, cacheDir: defaultCacheDir(env), download,
      onProgress: (progress) => push({ kind: 'dataProgress', progress }),
    });
    return { location: { dir: found.dir, kind: found.kind, strict } as DataLocation, searched: found.searched };
  }
  async function loadDataset(download = false) {
    if (dataset) return dataset;
    const { location, searched } = await locate(download);
    const data = await loadFromDir(location.dir, location.kind, { strict });
    dataset = { location, data, searched };
    return dataset;
  }

  const manager = new RunManager({
    store,
    resolveData: async () => (await loadDataset()).location,
    maxConcurrent: opts.maxConcurrent ?? settings.maxConcurrentRuns,
  });
  manager.onEvent((event) => push({ kind: 'train', event }));
  const insight = new InsightService({ store, resolveData: async () => (await loadDataset()).location });
  insight.onProgress((progress) => push({ kind: 'insightProgress', progress }));
  const explainer = new ExplainService({ storeRoot: store.root, resolveData: async () => (await loadDataset()).location });

  let backendInfo: Awaited<ReturnType<typeof selectBackend>> | null = null;

  const handlers: WorkbenchHandlers = {
    // Model drafts live beside settings.json, in the app's data folder (the CLI's --model reads the same folder).
    ...draftHandlers(new DraftStore(path.dirname(settingsFile))),
    async getEnvironment() {
      backendInfo ??= await selectBackend('auto');
      return { environment: collectEnvironment(), backend: backendInfo, available: await availableBackends(), webgpuAdapter: await webgpuAdapter(), runsDir: store.root, mode: opts.mode };
    },
    async getSettings() {
      return settings;
    },
    async setSettings(patch) {
      const next = SettingsSchema.parse({ ...settings, ...patch });
      next.dataDir = checkDataDir(next.dataDir);
      if (next.dataDir !== settings.dataDir) {
        dataset = null;
        stats = null;
      }
      settings = next;
      manager.setMaxConcurrent(settings.maxConcurrentRuns);
      await mkdir(path.dirname(settingsFile), { recursive: true });
      await writeFileAtomic(settingsFile, JSON.stringify(settings, null, 2));
      return settings;
    },
    async getDataStatus({ download }) {
      try {
        const d = await loadDataset(download);
        return { found: true, source: d.data.source, error: null, searched: d.searched };
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        return { found: false, source: null, error: message, searched: [] };
      }
    },
    async getDatasetStats() {
      const d = await loadDataset();
      stats ??= computeStats(d.data, makeSplit(DEFAULT_DATA_CONFIG, d.data.trainCount, d.data.testCount));
      return stats;
    },
    async getImages({ split, indices }) {
      const d = await loadDataset();
      const images = split === 'train' ? d.data.trainImages : d.data.testImages;
      const count = split === 'train' ? d.data.trainCount : d.data.testCount;
      const out = Buffer.alloc(indices.length * 784);
      indices.forEach((idx, i) => {
        if (idx >= count) throw new RangeError(`image index ${idx} is outside the ${split} set (0–${count - 1})`);
        out.set(images.subarray(idx * 784, (idx + 1) * 784), i * 784);
      });
      return { pixels: out.toString('base64') };
    },
    async listPresets() {
      return PRESETS;
    },
    async startRun(request) {
      validateModelSpec(request.model);
      return manager.start(request);
    },
    resumeRun: ({ runId, epochs }) => manager.resume(runId, epochs),
    async cancelRun({ runId }) {
      await manager.cancel(runId);
      return { ok: true as const };
    },
    listRuns: () => store.list(),
    getRun: ({ runId }) => store.get(runId),
    async getRunEvents({ runId, since }) {
      const { events, next } = await store.events(runId, since);
      return { events, next };
    },
    getPredictions: ({ runId }) => store.predictions(runId),
    async renameRun({ runId, name }) {
      await store.rename(runId, name);
      return { ok: true as const };
    },
    async tagRun({ runId, tags }) {
      await store.setTags(runId, tags);
      return { ok: true as const };
    },
    async deleteRun({ runId }) {
      if (manager.running().includes(runId) || manager.queued().includes(runId)) {
        throw new Error(`run ${runId} is still training: cancel it before deleting it`);
      }
      await store.delete(runId);
      return { ok: true as const };
    },
    async exportRun({ runId }) {
      const { fileName, data } = await store.exportArchive(runId);
      return { fileName, archive: data.toString('base64') };
    },
    async importRun({ archive }) {
      return { runId: await store.importArchive(Buffer.from(archive, 'base64')) };
    },
    async exportReport({ runIds, title, pageSize }) {
      const { input, warnings } = await gatherReportInput({ runsDir: store.root, runIds, title, dataDir: settings.dataDir, env, strictData: strict, explain: (r) => explainer.explain(r) });
      const generatedAt = new Date();
      const pdf = await generateReport({ ...input, generatedAt }, { pageSize });
      return { fileName: reportFileName(input.title, generatedAt), pdf: pdf.toString('base64'), warnings };
    },
    getTrainingHistograms: ({ runId }) => insight.histograms(runId),
    getCalibration: ({ runId }) => insight.calibration(runId),
    getEmbedding: ({ runId, method }) => insight.embedding(runId, method),
    explainImage: (request) => explainer.explain(request),
    getFeatureMaps: (request) => explainer.featureMaps(request),
  };

  return {
    handlers,
    store,
    manager,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: async () => {
      await insight.close();
      await explainer.close();
      await manager.close();
    },
  };
}

async function loadSettings(file: string, dataDir: string | null): Promise<Settings> {
  let stored: unknown = {};
  try {
    stored = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    // A first start has no settings file; anything else is worth telling the user about.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') console.warn(`settings ${file} unreadable, using defaults: ${(err as Error).message}`);
  }
  const parsed = SettingsSchema.safeParse(stored);
  if (!parsed.success && Object.keys(stored as object).length > 0) console.warn(`settings ${file} invalid, using defaults: ${parsed.error.issues[0]?.message}`);
  const base = parsed.success ? parsed.data : SettingsSchema.parse({ dataDir: null });
  try {
    base.dataDir = checkDataDir(base.dataDir);
  } catch (err) {
    console.warn(`settings ${file}: ${(err as Error).message}; the data folder setting is ignored`);
    base.dataDir = null;
  }
  return dataDir ? { ...base, dataDir } : base;
}
