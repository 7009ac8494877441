// Renderer utility (data view): the parts of the engine's data-error text the GUI reuses — the folder's outcome and a download's reason.

/** The four files a data folder holds (each may also be stored without .gz). */
export const DATA_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

/**
 * What is wrong with a named folder, as locate.ts words it after the folder's path (`<dir>: <outcome>. <help>`), in the
 * GUI's words; null when the text holds no such outcome. The command-line help that follows is left out on purpose.
 */
export function folderOutcome(message: string | null | undefined): string | null {
  const m = message?.match(/: (folder does not exist|not a folder|missing .+?)\.(?:\s|$)/);
  if (!m) return null;
  if (!m[1].startsWith('missing ')) return m[1];
  const missing = m[1].slice('missing '.length).split(', ').map((f) => f.replace('[.gz]', ''));
  return missing.length === DATA_FILES.length ? 'none of the four files is there' : `missing ${missing.join(', ')}`;
}

/** The reason a download failed (`… the download failed: <reason>` up to the line's end), or null. */
export function downloadReason(message: string | null | undefined): string | null {
  return message?.match(/download failed: ([^\n]+)/)?.[1] ?? null;
}
