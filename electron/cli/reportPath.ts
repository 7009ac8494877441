// CLI: where a --report/--out PDF goes: into a folder (named from the title and date) when the path ends in a separator
// or is an existing folder, else to the file named.
import { stat } from 'node:fs/promises';
import path from 'node:path';

export async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Decided once, before any work: a folder given without its trailing slash is still a folder. */
export async function reportIsFolder(target: string): Promise<boolean> {
  return target.endsWith('/') || target.endsWith(path.sep) || (await isDirectory(target));
}

export function reportFilePath(target: string, isFolder: boolean, fileName: string): string {
  return path.resolve(isFolder ? path.join(target, fileName) : target);
}
