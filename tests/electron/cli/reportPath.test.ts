// The CLI's report target: an existing folder named without its trailing slash is a folder (an hour-long experiment
// once ended in EISDIR there after training), a path ending in a separator too, anything else the file to write.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportFilePath, reportIsFolder } from '../../../electron/cli/reportPath.js';

describe('report target', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fmw-report-target-'));
  it('an existing folder, with or without the trailing slash, gets a file named from the title', async () => {
    expect(await reportIsFolder(dir)).toBe(true);
    expect(await reportIsFolder(`${dir}/`)).toBe(true);
    expect(reportFilePath(dir, true, 'a-vs-b.pdf')).toBe(path.join(dir, 'a-vs-b.pdf'));
  });

  it('a new folder path ending in a separator is a folder; a file path, existing or not, is the file', async () => {
    expect(await reportIsFolder(path.join(dir, 'new') + path.sep)).toBe(true);
    const file = path.join(dir, 'out.pdf');
    expect(await reportIsFolder(file)).toBe(false);
    writeFileSync(file, 'old');
    expect(await reportIsFolder(file)).toBe(false);
    expect(reportFilePath(file, false, 'ignored.pdf')).toBe(file);
  });
});
