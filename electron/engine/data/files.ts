// Engine data layer: the four Fashion-MNIST file names, their published checksums, and finding them in a folder.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

export const FILE_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export type FileKey = keyof typeof FILE_NAMES;
export const FILE_KEYS: readonly FileKey[] = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];

/** Keys of DataSource.sha256 (shared/run.ts): the file stem without the idx suffix. */
export const FILE_STEMS: Record<FileKey, string> = {
  trainImages: 'train-images',
  trainLabels: 'train-labels',
  testImages: 't10k-images',
  testLabels: 't10k-labels',
};

/**
 * SHA-256 of the DECOMPRESSED files, computed from the Debian package dataset-fashion-mnist
 * (identical content to the Zalando and Keras gzips). Hashing decompressed bytes lets any
 * gzip of the same data, or the raw files, verify.
 */
export const EXPECTED_SHA256: Record<FileKey, string> = {
  trainImages: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
  trainLabels: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
  testImages: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
  testLabels: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
};

export const FULL_COUNTS = { train: 60000, test: 10000 } as const;

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

export interface ResolvedFiles {
  /** Path of each file found (raw preferred over .gz: it loads faster). */
  paths: Partial<Record<FileKey, string>>;
  /** Names of the files not found, as `name[.gz]`. */
  missing: string[];
}

export async function resolveDataFiles(dir: string): Promise<ResolvedFiles> {
  const paths: Partial<Record<FileKey, string>> = {};
  const missing: string[] = [];
  await Promise.all(
    FILE_KEYS.map(async (key) => {
      const raw = join(dir, FILE_NAMES[key]);
      const gz = `${raw}.gz`;
      if (await isFile(raw)) paths[key] = raw;
      else if (await isFile(gz)) paths[key] = gz;
    }),
  );
  for (const key of FILE_KEYS) if (!paths[key]) missing.push(`${FILE_NAMES[key]}[.gz]`);
  return { paths, missing };
}
