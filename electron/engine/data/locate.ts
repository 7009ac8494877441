// Engine data layer: finds the Fashion-MNIST files (explicit dir, env, cache, Debian package, download) and says where it looked.
import { stat } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { DataProgress } from '../../../shared/data.js';
import type { DataSource } from '../../../shared/run.js';
import { DataError } from './errors.js';
import { FILE_KEYS, FILE_NAMES, resolveDataFiles } from './files.js';
import { DEFAULT_MIRRORS, downloadFiles } from './download.js';

export { FILE_NAMES } from './files.js';
export { DEFAULT_MIRRORS } from './download.js';

export const DEFAULT_DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';
export const ENV_VAR = 'FASHION_MNIST_DIR';

export interface LocateOptions {
  dataDir?: string | null;
  env?: NodeJS.ProcessEnv;
  cacheDir?: string;
  /** Folders where the Debian package may have put the files; when omitted, the default plus `dpkg -L` output. */
  debianDirs?: string[];
  download?: boolean;
  onProgress?: (p: DataProgress) => void;
  fetchImpl?: typeof fetch;
  mirrors?: string[];
  /** Download verification: full counts and published checksums (default true). */
  strict?: boolean;
}

export type LocatedKind = Exclude<DataSource['kind'], 'test-fixture'>;
export interface Located {
  dir: string;
  kind: LocatedKind;
  searched: string[];
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'fashion-workbench', 'fashion-mnist');
}

const execFileAsync = promisify(execFile);

/** Where `dpkg -L dataset-fashion-mnist` says the files are; empty when dpkg or the package is absent. */
async function dpkgDirs(): Promise<string[]> {
  try {
    const { stdout } = await execFileAsync('dpkg', ['-L', 'dataset-fashion-mnist'], { timeout: 5000 });
    const dirs = stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /\/train-images-idx3-ubyte(\.gz)?$/.test(l))
      .map((l) => dirname(l));
    return [...new Set(dirs)];
  } catch {
    return [];
  }
}

async function probe(dir: string): Promise<{ ok: boolean; outcome: string }> {
  try {
    if (!(await stat(dir)).isDirectory()) return { ok: false, outcome: 'not a folder' };
  } catch {
    return { ok: false, outcome: 'folder does not exist' };
  }
  const { missing } = await resolveDataFiles(dir);
  if (missing.length === 0) return { ok: true, outcome: 'found' };
  return { ok: false, outcome: `missing ${missing.join(', ')}` };
}

const HELP =
  'To get the data: install the Debian/Ubuntu package (sudo apt-get install dataset-fashion-mnist), ' +
  `or pass --data-dir DIR (the data-folder setting in the app), or set ${ENV_VAR}=DIR, ` +
  `where DIR holds ${FILE_KEYS.map((k) => `${FILE_NAMES[k]}[.gz]`).join(', ')}; or allow the download.`;

export async function locateDataset(opts: LocateOptions): Promise<Located> {
  const env = opts.env ?? process.env;
  const searched: string[] = [];
  const line = (label: string, dir: string, outcome: string) => `${label} ${dir}: ${outcome}`;

  // A folder the user named must not be skipped silently: a typo would otherwise train on other data.
  const named: Array<[LocatedKind, string, string | null | undefined]> = [
    ['explicit', '--data-dir', opts.dataDir],
    ['env', ENV_VAR, env[ENV_VAR]],
  ];
  for (const [kind, label, value] of named) {
    if (!value) continue;
    const dir = resolve(value);
    const { ok, outcome } = await probe(dir);
    searched.push(line(label, dir, outcome));
    if (ok) return { dir, kind, searched };
    // The GUI reads `<dir>: <outcome>.` out of this text (renderer/src/util/dataProblem.ts, tested in tests/engine/data/locate-gui.test.ts).
    throw new DataError(`${label} ${dir}: ${outcome}. ${HELP}`, dir);
  }

  const cacheDir = resolve(opts.cacheDir ?? defaultCacheDir(env));
  const cache = await probe(cacheDir);
  searched.push(line('app cache', cacheDir, cache.outcome));
  if (cache.ok) return { dir: cacheDir, kind: 'cache', searched };

  const debianDirs = opts.debianDirs ?? [...new Set([DEFAULT_DEBIAN_DIR, ...(await dpkgDirs())])];
  for (const d of debianDirs) {
    const dir = resolve(d);
    const { ok, outcome } = await probe(dir);
    searched.push(line('Debian package dataset-fashion-mnist', dir, outcome));
    if (ok) return { dir, kind: 'debian', searched };
  }

  if (!opts.download) {
    throw new DataError(`Fashion-MNIST not found. Searched:\n  ${searched.join('\n  ')}\n${HELP}`);
  }
  const mirrors = opts.mirrors ?? DEFAULT_MIRRORS;
  const fetchImpl = opts.fetchImpl ?? globalThis.fetch;
  const { paths } = await resolveDataFiles(cacheDir);
  const keys = FILE_KEYS.filter((k) => !paths[k]);
  try {
    await downloadFiles({ cacheDir, keys, mirrors, fetchImpl, strict: opts.strict ?? true, onProgress: opts.onProgress });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    searched.push(line('download from', mirrors.join(' and '), 'failed'));
    throw new DataError(`Fashion-MNIST not found and the download failed: ${msg}\nSearched:\n  ${searched.join('\n  ')}\n${HELP}`, cacheDir);
  }
  searched.push(line('download into', cacheDir, `downloaded ${keys.length} file(s) from ${mirrors.join(' or ')}`));
  return { dir: cacheDir, kind: 'download', searched };
}
