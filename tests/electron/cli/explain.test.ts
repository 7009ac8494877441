// `npm run explain`: spawned on runs trained here (seed ANN and CNN, one short epoch on real data), as a user runs it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PNG } from 'pngjs';
import { requireInCi } from '../../helpers/ciRequire.js';
import { removeTempDirs, tempDir } from '../../engine/train/helpers.js';
import { DEBIAN_DIR, dataPresent, trainSeedRuns } from '../../engine/explain/realRuns.js';

const ready = requireInCi(dataPresent, `the real data set in ${DEBIAN_DIR} (apt-get install dataset-fashion-mnist)`);
const root = path.resolve(__dirname, '../../..');

function explain(args: string[]): Promise<{ code: number; stdout: string; stderr: string; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(path.join(root, 'node_modules/.bin/tsx'), ['electron/cli/explain.ts', ...args], { cwd: root, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
}

let runs: Awaited<ReturnType<typeof trainSeedRuns>>;
beforeAll(async () => {
  if (ready) runs = await trainSeedRuns(2000);
}, 300_000);
afterAll(removeTempDirs);

describe.skipIf(!ready)(`npm run explain (skipped without ${DEBIAN_DIR})`, () => {
  it('--json prints exactly the documented document, a 28×28 non-negative map', async () => {
    const r = await explain([runs.cnn, '--index', '7', '--method', 'gradcam', '--class', '4', '--runs-dir', runs.store.root, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(['runId', 'index', 'split', 'label', 'predicted', 'probabilities', 'method', 'class', 'heatmap']);
    expect(doc).toMatchObject({ runId: runs.cnn, index: 7, split: 'test', method: 'gradcam', class: 4 });
    expect(doc.probabilities).toHaveLength(10);
    expect(doc.probabilities.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 4);
    expect(doc.heatmap).toHaveLength(28);
    for (const row of doc.heatmap) {
      expect(row).toHaveLength(28);
      for (const v of row) expect(v).toBeGreaterThanOrEqual(0);
    }
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  }, 120_000);

  it('saliency works for the ANN on a validation image and writes a readable PNG', async () => {
    const out = path.join(await tempDir('fmw-explain-png-'), 'map.png');
    const r = await explain([runs.ann, '--index', '3', '--split', 'validation', '--method', 'saliency', '--runs-dir', runs.store.root, '--png', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.split).toBe('validation');
    expect(doc.heatmap.flat().some((v: number) => v > 0)).toBe(true);
    const png = PNG.sync.read(await readFile(out));
    expect(png.width).toBeGreaterThanOrEqual(560);
    expect(png.height).toBeGreaterThanOrEqual(280);
  }, 120_000);

  it('Grad-CAM on the ANN fails: it needs a convolutional layer, use saliency', async () => {
    const r = await explain([runs.ann, '--index', '0', '--method', 'gradcam', '--runs-dir', runs.store.root, '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/Grad-CAM needs a convolutional layer.*saliency/);
  }, 120_000);

  it('names the conv layers for an unknown layer, and the split range for a bad index', async () => {
    const layer = await explain([runs.cnn, '--index', '0', '--layer', 'dense', '--runs-dir', runs.store.root]);
    expect(layer.code).toBe(1);
    expect(layer.stderr).toMatch(/"dense" is not a convolutional layer of this model; its conv layers are: conv2d, conv2d_1/);
    const index = await explain([runs.cnn, '--index', '5000', '--runs-dir', runs.store.root]);
    expect(index.code).toBe(1);
    expect(index.stderr).toMatch(/image 5000 is outside this run's test split \(0–\d+\)/);
  }, 120_000);
});
