// The PDF report from short real training runs, checked with poppler: text, fonts, pages, contents, margins.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import os from 'node:os';
import path from 'node:path';
import { RunManager } from '../../../electron/engine/train/manager.js';
import { RunStore } from '../../../electron/engine/runs/store.js';
import { getPreset } from '../../../electron/engine/models/presets.js';
import { mcnemar, meanStd } from '../../../electron/engine/eval/stats.js';
import { gatherReportInput } from '../../../electron/engine/report/gather.js';
import { generateReport, reportFileName } from '../../../electron/engine/report/generate.js';
import { formatAccuracy, formatMeanStd, formatP } from '../../../electron/engine/report/format.js';
import { CLASS_NAMES } from '../../../shared/classes.js';
import { TrainRequestSchema, type RunDetail } from '../../../shared/run.js';
import { contentsEntries, pdfFonts, pdfInfo, pdfText, popplerPresent, renderPages, squash, wordBoxes } from './pdfTools.js';
import { requireInCi } from '../../helpers/ciRequire.js';

const DATA = '/usr/share/datasets/fashion-mnist';
const dataPresent = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].every(
  (f) => existsSync(path.join(DATA, `${f}.gz`)) || existsSync(path.join(DATA, f)),
);
const ready = requireInCi(dataPresent, `Fashion-MNIST in ${DATA} (apt-get install dataset-fashion-mnist)`)
  && requireInCi(popplerPresent, 'poppler-utils (pdftotext, pdftoppm, pdfinfo, pdffonts)');
const run = promisify(execFile);

/** Headings every report with two models has (issue 5's sections). */
const COMPARISON_HEADINGS = [
  'Contents', '1 Environment', 'Software and machine', 'Data source', '2 Data', 'Splits', 'Class distribution', 'Sample images', 'Mean intensity',
  '3 Models', 'Architecture', 'Hyperparameters', 'Training curves', 'Training time',
  '4 Results', 'Classification report', 'Confusion matrix', 'Similar-class confusions', 'Most confident mistakes',
  '5 Comparison', 'Metrics side by side', 'Statistical significance', 'Seeds: mean ± standard deviation', 'Training curves overlaid',
  'Difference confusion matrix', 'Per-class F1', 'Similar-class confusions compared', 'Configuration differences',
  '6 Calibration and feature space', 'Reliability diagram, ECE and MCE', 'Per-class ROC AUC', 'Embedding of the penultimate layer',
  '7 Grad-CAM of similar-class mistakes', '8 Published reference points', '9 Appendix: run records',
];

let tmp: string;
let store: RunStore;
let pair: string[] = [];
let groups: string[] = [];

async function train(manager: RunManager, preset: string, o: { epochs: number; limit: number; fullTest: boolean; repeat?: number; name: string }): Promise<string[]> {
  const p = getPreset(preset);
  const request = TrainRequestSchema.parse({
    name: o.name, preset, model: p.model, hyper: { ...p.hyper, epochs: o.epochs }, data: { split: { type: 'tail', validationSize: 10000 }, limit: o.limit, fullTest: o.fullTest },
    backend: 'auto', repeat: o.repeat ?? 1,
  });
  return (await manager.start(request)).runIds;
}

beforeAll(async () => {
  if (!ready) return;
  tmp = await mkdtemp(path.join(os.tmpdir(), 'fmw-report-'));
  store = new RunStore(path.join(tmp, 'runs'));
  const manager = new RunManager({ store, maxConcurrent: 2, resolveData: async () => ({ dir: DATA, kind: 'debian', strict: true }), batchEventIntervalMs: 1000 });
  // Two short real runs on the full 10,000-image test set (the seed comparison), then two groups of two seeds each.
  pair = [...(await train(manager, 'seed-ann', { epochs: 2, limit: 1500, fullTest: true, name: 'seed-ann' })), ...(await train(manager, 'seed-cnn', { epochs: 2, limit: 1500, fullTest: true, name: 'seed-cnn' }))];
  groups = [...(await train(manager, 'seed-ann', { epochs: 1, limit: 600, fullTest: false, repeat: 2, name: 'ann-seeds' })), ...(await train(manager, 'seed-cnn', { epochs: 1, limit: 600, fullTest: false, repeat: 2, name: 'cnn-seeds' }))];
  await manager.idle();
  await manager.close();
}, 900_000);

afterAll(async () => {
  if (tmp && !process.env.KEEP_REPORT_TMP) await rm(tmp, { recursive: true, force: true });
  else if (tmp) console.log(`report test files kept in ${tmp}`);
});

async function writeReport(runIds: string[], name: string, pageSize: 'A4' | 'LETTER' = 'A4', title?: string): Promise<{ file: string; runs: RunDetail[] }> {
  const { input, warnings } = await gatherReportInput({ runsDir: store.root, runIds, title });
  expect(warnings).toEqual([]);
  const pdf = await generateReport({ ...input, generatedAt: new Date('2026-11-25T12:00:00Z') }, { pageSize });
  const file = path.join(tmp, name);
  await writeFile(file, pdf);
  return { file, runs: input.runs };
}

/** Every word lies inside the text area (plus the footer band): nothing is cut at a page edge or runs into the margin. */
async function expectWordsInsideMargins(file: string): Promise<void> {
  const outside = (await wordBoxes(file)).filter(
    (w) => w.xMin < 58 - 1.5 || w.xMax > w.pageWidth - 58 + 1.5 || w.yMin < 40 || w.yMax > w.pageHeight - 24,
  );
  expect(outside.slice(0, 5)).toEqual([]);
}

/** Every contents entry points at the page its heading is printed on. */
async function expectContentsPagesRight(file: string, pages: number): Promise<void> {
  const entries = await contentsEntries(file);
  expect(entries.length).toBeGreaterThan(10);
  for (const e of entries) {
    expect(e.page, `${e.number} ${e.title}`).toBeGreaterThanOrEqual(3);
    expect(e.page).toBeLessThanOrEqual(pages);
    // Hyphens and spaces out: a heading that wraps at a hyphen comes back from pdftotext without it.
    const flat = (s: string) => s.replace(/[\s\u00a0-]+/g, '');
    expect(flat(await pdfText(file, e.page)), `${e.number} ${e.title} on page ${e.page}`).toContain(flat(`${e.number} ${e.title}`));
  }
}

async function expectRendersAndEmbeds(file: string, pages: number): Promise<void> {
  const dir = path.join(tmp, `png-${path.basename(file)}`);
  await mkdir(dir);
  const { pngs, stderr } = await renderPages(file, dir);
  expect(pngs).toHaveLength(pages);
  expect(stderr).not.toMatch(/error/i);
  const fonts = await pdfFonts(file);
  expect(fonts.length).toBeGreaterThanOrEqual(3);
  expect(fonts.filter((f) => !f.embedded)).toEqual([]);
  expect(fonts.every((f) => /DejaVu/.test(f.name))).toBe(true);
}

describe.skipIf(!ready)('PDF report from real runs (needs /usr/share/datasets/fashion-mnist and poppler-utils)', () => {
  it('two runs on A4: every section, both accuracies, the McNemar line, every class, embedded fonts, right contents', async () => {
    const { file, runs } = await writeReport(pair, 'pair-a4.pdf');
    const info = await pdfInfo(file);
    expect(info.width).toBeCloseTo(595.28, 1);
    expect(info.height).toBeCloseTo(841.89, 1);
    expect(info.title).toBe('seed-ann vs seed-cnn');
    expect(info.pages).toBeGreaterThanOrEqual(12);
    const text = squash(await pdfText(file));
    for (const h of COMPARISON_HEADINGS) expect(text, h).toContain(h);
    for (const r of runs) expect(text).toContain(formatAccuracy(r.test!.accuracy));
    for (const name of CLASS_NAMES) expect(text).toContain(name);
    // McNemar computed here from the stored predictions, independently of the report's own pairing.
    const [pa, pb] = await Promise.all(pair.map((id) => store.predictions(id)));
    expect(pb.testIndices).toEqual(pa.testIndices);
    const m = mcnemar(pa.labels, pa.predicted, pb.predicted);
    expect(text).toContain(squash(`McNemar's test: χ² = ${m.statistic.toFixed(2)}, p = ${formatP(m.pValue)} (n01 = ${m.n01.toLocaleString('en-US')}, n10 = ${m.n10.toLocaleString('en-US')})`));
    expect(text).toContain('0.835');
    expect(text).toContain('0.8833');
    expect(text).toContain('0.916');
    expect(text).toContain('zalandoresearch/fashion-mnist');
    await expectRendersAndEmbeds(file, info.pages);
    await expectContentsPagesRight(file, info.pages);
    await expectWordsInsideMargins(file);
  }, 180_000);

  it('US Letter: the same report laid out for 612 × 792 pt with correct contents and margins', async () => {
    const { file } = await writeReport(pair, 'pair-letter.pdf', 'LETTER');
    const info = await pdfInfo(file);
    expect(info.width).toBeCloseTo(612, 1);
    expect(info.height).toBeCloseTo(792, 1);
    await expectRendersAndEmbeds(file, info.pages);
    await expectContentsPagesRight(file, info.pages);
    await expectWordsInsideMargins(file);
  }, 180_000);

  it('two groups of repeated runs: mean ± std per model and each seed\'s result', async () => {
    const { file, runs } = await writeReport(groups, 'groups.pdf', 'A4', 'ANN vs CNN over seeds');
    const text = squash(await pdfText(file));
    for (const group of ['ann-seeds', 'cnn-seeds']) {
      const accs = runs.filter((r) => r.config!.request.name === group).map((r) => r.test!.accuracy);
      expect(accs).toHaveLength(2);
      const s = meanStd(accs);
      expect(text).toContain(formatMeanStd(s.mean, s.std));
      for (const a of accs) expect(text).toContain(formatAccuracy(a));
    }
    expect(text).toContain('Result of each seed');
    expect(text).toContain("McNemar's test for each pair of repeats");
    const info = await pdfInfo(file);
    await expectContentsPagesRight(file, info.pages);
    await expectWordsInsideMargins(file);
  }, 180_000);

  it('one run: no comparison section, but its results against the published reference points', async () => {
    const { file, runs } = await writeReport([pair[1]], 'one.pdf');
    const text = squash(await pdfText(file));
    expect(text).not.toMatch(/\d Comparison/);
    expect(text).toContain('5 Calibration and feature space');
    // The one run is the CNN, so it has Grad-CAM pages.
    expect(text).toContain('6 Grad-CAM of similar-class mistakes');
    expect(text).toContain('7 Published reference points');
    expect(text).toContain(formatAccuracy(runs[0].test!.accuracy));
    const info = await pdfInfo(file);
    await expectRendersAndEmbeds(file, info.pages);
    await expectContentsPagesRight(file, info.pages);
    // Same runs, same date: the same bytes, so a report can be regenerated and compared.
    const { input } = await gatherReportInput({ runsDir: store.root, runIds: [pair[1]] });
    const again = async () => generateReport({ ...input, generatedAt: new Date('2026-11-25T12:00:00Z') });
    expect((await again()).equals(await again())).toBe(true);
  }, 180_000);

  it('survives hostile input: long names, a failed run, missing predictions and no data set, all inside the margins', async () => {
    const { input } = await gatherReportInput({ runsDir: store.root, runIds: pair });
    const long = 'A very long experiment title that keeps going to test wrapping on the title page, in the footer and in every table '.repeat(2);
    const [a, b] = input.runs;
    const renamed: RunDetail = { ...b, summary: { ...b.summary, name: 'convolutional-network-with-an-unreasonably-long-name-for-a-table-cell' } };
    const failed: RunDetail = { ...a, summary: { ...a.summary, id: 'failed-run', name: 'crashed run', status: 'failed', reason: 'loss became NaN at epoch 1' }, test: null, epochs: [] };
    const pdf = await generateReport({ ...input, title: long, runs: [a, renamed, failed], predictions: [input.predictions[0], null, null], datasetStats: null, sampleImages: null, testImages: undefined });
    const file = path.join(tmp, 'hostile.pdf');
    await writeFile(file, pdf);
    const text = squash(await pdfText(file));
    expect(text).toContain('not evaluated (status failed: loss became NaN at epoch 1)');
    expect(text).toContain('test predictions are missing');
    expect(text).toContain('The data set was not available');
    const info = await pdfInfo(file);
    await expectRendersAndEmbeds(file, info.pages);
    await expectContentsPagesRight(file, info.pages);
    await expectWordsInsideMargins(file);
  }, 180_000);

  it('npm run report writes the file named from title and date into a folder, and names a missing run', async () => {
    const outDir = path.join(tmp, 'cli-out');
    await mkdir(outDir);
    const cli = ['tsx', 'electron/cli/report.ts'];
    const { stdout } = await run('npx', [...cli, ...pair, '--runs-dir', store.root, '--out', `${outDir}/`, '--page-size', 'letter', '--title', 'Seed ANN vs seed CNN'], { cwd: process.cwd() });
    const written = stdout.trim();
    expect(path.basename(written)).toBe(reportFileName('Seed ANN vs seed CNN', new Date()));
    expect((await pdfInfo(written)).width).toBeCloseTo(612, 1);
    await expect(run('npx', [...cli, 'no-such-run', '--runs-dir', store.root, '--out', path.join(outDir, 'x.pdf')])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/run no-such-run could not be read/),
    });
  }, 180_000);
});
