// The data view (renderer/src/util/dataProblem.ts) reads the folder's outcome out of locate.ts's text: both sides, for real.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { locateDataset } from '../../../electron/engine/data/locate.js';
import { folderOutcome } from '../../../renderer/src/util/dataProblem.js';

async function messageFor(dataDir: string): Promise<string> {
  const err = await locateDataset({ dataDir, env: {}, debianDirs: [] }).then(() => null, (e: Error) => e);
  if (!err) throw new Error(`locateDataset accepted ${dataDir}`);
  return err.message;
}

describe('the GUI reading of locate.ts errors', () => {
  it('an empty, a partial and a missing folder each get their outcome without the command-line help', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fmw-locate-gui-'));
    try {
      const empty = await messageFor(dir);
      expect(empty).toContain('--data-dir'); // the CLI text stays as it is
      expect(folderOutcome(empty)).toBe('none of the four files is there');
      writeFileSync(path.join(dir, 'train-images-idx3-ubyte.gz'), '');
      writeFileSync(path.join(dir, 'train-labels-idx1-ubyte.gz'), '');
      expect(folderOutcome(await messageFor(dir))).toBe('missing t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte');
      expect(folderOutcome(await messageFor(path.join(dir, 'nope')))).toBe('folder does not exist');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
