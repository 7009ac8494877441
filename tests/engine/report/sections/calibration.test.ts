// The report's calibration section end to end: `npm run experiment -- … --report FILE` on a fixture data set, then the
// PDF's text, fonts and pages checked with poppler.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fixtureDir, tempDir, removeTempDirs } from '../../train/helpers.js';
import { pdfFonts, pdfText, popplerPresent, renderPages, squash } from '../pdfTools.js';
import { requireInCi } from '../../../helpers/ciRequire.js';

const ready = requireInCi(popplerPresent, 'poppler-utils (pdftotext, pdftoppm, pdfinfo, pdffonts)');

let dataDir: string;
beforeAll(async () => {
  dataDir = await fixtureDir(12000, 1000);
});
afterAll(removeTempDirs);

function cli(args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('npx', ['tsx', 'electron/cli/experiment.ts', ...args], { env: { ...process.env, FASHION_MNIST_STRICT: '0' }, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe.skipIf(!ready)('calibration section (needs poppler-utils)', () => {
  it('experiment --report writes calibration, ECE/MCE, temperature, ROC AUC and the embedding into the PDF', async () => {
    const out = await tempDir('fmw-cal-report-');
    const file = path.join(out, 'report.pdf');
    const r = await cli(['--preset', 'seed', '--data-dir', dataDir, '--limit', '300', '--epochs', '1', '--backend', 'wasm', '--out', out, '--report', file]);
    expect(r.code, r.stderr).toBe(0);
    const text = squash(await pdfText(file));
    expect(text).toContain('Calibration and feature space');
    expect(text).toMatch(/calibration/);
    expect(text).toContain('ECE');
    expect(text).toContain('MCE');
    expect(text).toContain('15 equal-width bins');
    expect(text).toMatch(/T = \d\.\d{3} fitted on [\d,]+ validation images/);
    expect(text).toContain('Per-class ROC AUC');
    expect(text).toContain('macro mean');
    expect(text).toContain('Embedding of the penultimate layer');
    expect(text).toContain('PCA of the penultimate layer: seed-ann (left) and seed-cnn (right)');
    for (const f of await pdfFonts(file)) expect(f.embedded, f.name).toBe(true);
    // The pages, for a person to look at: test-results/screenshots/report-calibration-*.png
    const pngs = (await renderPages(file, out, 50)).pngs.sort().map((f) => path.join(out, f));
    const shots = path.resolve('test-results/screenshots');
    await mkdir(shots, { recursive: true });
    const pages = [];
    for (let p = 1; p <= pngs.length; p++) if (/Calibration and feature space|Per-class ROC AUC|PCA of the penultimate/.test(await pdfText(file, p))) pages.push(p);
    expect(pages.length).toBeGreaterThan(0);
    for (const p of pages) await copyFile(pngs[p - 1], path.join(shots, `report-calibration-p${p}.png`));
  }, 300_000);
});
