// Engine data layer: loads and verifies the four Fashion-MNIST files into memory (pixels stay uint8).
import type { DataSource } from '../../../shared/run.js';
import { DataError } from './errors.js';
import { FILE_KEYS, FILE_STEMS, resolveDataFiles, type FileKey } from './files.js';
import { readIdxFile, checkContent, checkPair, checksumMatches, type LoadedIdx } from './verify.js';
import { locateDataset, type LocateOptions } from './locate.js';

export { EXPECTED_SHA256 } from './files.js';

export interface FashionMnist {
  /** trainCount × 784 raw pixels, row-major. */
  trainImages: Uint8Array;
  trainLabels: Uint8Array;
  testImages: Uint8Array;
  testLabels: Uint8Array;
  trainCount: number;
  testCount: number;
  source: DataSource;
}

/**
 * Reads the four files of `dir` concurrently and checks them. With strict (the default) the counts must
 * be the full 60000/10000; `verified` is true only when every decompressed file matches its published
 * checksum (a mismatch on full-size data is reported there, not thrown).
 */
export async function loadFromDir(dir: string, kind: DataSource['kind'], opts: { strict?: boolean } = {}): Promise<FashionMnist> {
  const strict = opts.strict ?? true;
  const { paths, missing } = await resolveDataFiles(dir);
  if (missing.length > 0) {
    throw new DataError(`${dir}: missing ${missing.join(', ')} (Fashion-MNIST needs all four files)`, dir);
  }
  const loaded = await Promise.all(FILE_KEYS.map((key) => readIdxFile(paths[key] as string)));
  const byKey = Object.fromEntries(FILE_KEYS.map((k, i) => [k, loaded[i]])) as Record<FileKey, LoadedIdx>;
  for (const key of FILE_KEYS) checkContent(key, byKey[key], strict);
  checkPair(byKey.trainImages, byKey.trainLabels);
  checkPair(byKey.testImages, byKey.testLabels);

  const sha256: Record<string, string> = {};
  for (const key of FILE_KEYS) sha256[FILE_STEMS[key]] = byKey[key].sha256;
  const verified = FILE_KEYS.every((key) => checksumMatches(key, byKey[key]));
  return {
    trainImages: byKey.trainImages.data,
    trainLabels: byKey.trainLabels.data,
    testImages: byKey.testImages.data,
    testLabels: byKey.testLabels.data,
    trainCount: byKey.trainImages.dims[0],
    testCount: byKey.testImages.dims[0],
    source: { kind, dir, sha256, verified },
  };
}

/** Locate (and, if allowed, download), then load; `searched` lists every place looked at. */
export async function loadFashionMnist(opts: LocateOptions & { strict?: boolean }): Promise<FashionMnist & { searched: string[] }> {
  const { dir, kind, searched } = await locateDataset(opts);
  const ds = await loadFromDir(dir, kind, { strict: opts.strict });
  return { ...ds, searched };
}
