// The report's Grad-CAM pages from a seed ANN and CNN trained briefly on real data: text, pages, margins, and which
// mistakes are chosen (checked with poppler; the rendered pages go to test-results/report-gradcam for a look).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdir, writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { gatherReportInput } from '../../../electron/engine/report/gather.js';
import { generateReport } from '../../../electron/engine/report/generate.js';
import { directedPairs, mostConfident } from '../../../electron/engine/report/explanations.js';
import { CLASS_NAMES } from '../../../shared/classes.js';
import type { Predictions } from '../../../shared/run.js';
import { requireInCi } from '../../helpers/ciRequire.js';
import { removeTempDirs } from '../train/helpers.js';
import { DEBIAN_DIR, dataPresent, trainSeedRuns } from '../explain/realRuns.js';
import { pdfInfo, pdfText, popplerPresent, renderPages, wordBoxes } from './pdfTools.js';

const ready = requireInCi(dataPresent, `the real data set in ${DEBIAN_DIR}`) && requireInCi(popplerPresent, 'poppler-utils (pdftotext, pdftoppm, pdfinfo)');
const OUT = path.resolve('test-results/report-gradcam');

describe('choosing the mistakes', () => {
  const p = {
    testIndices: [0, 1, 2, 3], labels: [6, 6, 4, 0], predicted: [4, 4, 6, 0],
    misclassified: [
      { index: 0, label: 6, predicted: 4, probs: [0, 0, 0, 0, 0.6, 0, 0.4, 0, 0, 0] },
      { index: 1, label: 6, predicted: 4, probs: [0, 0, 0, 0, 0.9, 0, 0.1, 0, 0, 0] },
      { index: 2, label: 4, predicted: 6, probs: [0, 0, 0, 0, 0.3, 0, 0.7, 0, 0, 0] },
    ],
  } as unknown as Predictions;
  it('takes the most confident mistake of each direction, and none where there is none', () => {
    expect(mostConfident(p, 6, 4)?.index).toBe(1);
    expect(mostConfident(p, 4, 6)?.index).toBe(2);
    expect(mostConfident(p, 2, 4)).toBeNull();
    expect(directedPairs().map(([a, b]) => `${CLASS_NAMES[a]}→${CLASS_NAMES[b]}`)).toEqual([
      'Shirt→Coat', 'Coat→Shirt', 'Pullover→Coat', 'Coat→Pullover', 'T-shirt/top→Shirt', 'Shirt→T-shirt/top',
    ]);
  });
});

let runs: Awaited<ReturnType<typeof trainSeedRuns>>;
beforeAll(async () => {
  if (ready) runs = await trainSeedRuns(5000);
}, 300_000);
afterAll(removeTempDirs);

describe.skipIf(!ready)(`Grad-CAM pages in the report (skipped without ${DEBIAN_DIR} or poppler)`, () => {
  it('has a Grad-CAM section for the CNN only, with its mistakes, probabilities and maps, inside the margins', async () => {
    const { input, warnings } = await gatherReportInput({ runsDir: runs.store.root, runIds: [runs.ann, runs.cnn], dataDir: DEBIAN_DIR, env: {} });
    expect(warnings.filter((w) => /Grad-CAM/.test(w))).toEqual([]);
    expect(input.explanations?.map((e) => e.runId)).toEqual([runs.cnn]);
    const ex = input.explanations![0];
    expect(ex.layer).toBe('conv2d_1');
    const shown = ex.mistakes.filter((m) => m.mistake);
    expect(shown.length).toBeGreaterThan(0);
    for (const m of shown) {
      expect(m.mistake!.label).toBe(m.actual);
      expect(m.mistake!.predicted).toBe(m.predicted);
      expect(m.mistake!.trueMap.flat().every((v) => v >= 0)).toBe(true);
    }
    const pdf = await generateReport({ ...input, generatedAt: new Date('2026-11-27T12:00:00Z') });
    await rm(OUT, { recursive: true, force: true });
    await mkdir(OUT, { recursive: true });
    const file = path.join(OUT, 'report.pdf');
    await writeFile(file, pdf);
    const text = await pdfText(file);
    expect(text).toContain('Grad-CAM of similar-class mistakes');
    expect(text).toMatch(/Grad-CAM at conv2d_1 of the most confident Shirt ↔ Coat mistakes/);
    const first = shown[0].mistake!;
    expect(text).toContain(`test image #${first.index}`);
    expect(text).toContain(`P(${CLASS_NAMES[shown[0].predicted]}) = ${first.probabilities[shown[0].predicted].toFixed(3)}`);
    // Nothing cut at the edges: every word inside the text area or the footer band.
    const outside = (await wordBoxes(file)).filter((w) => w.xMin < 58 - 1.5 || w.xMax > w.pageWidth - 58 + 1.5 || w.yMin < 40 || w.yMax > w.pageHeight - 24);
    expect(outside.slice(0, 5)).toEqual([]);
    const { pngs, stderr } = await renderPages(file, OUT, 60);
    expect(stderr).toBe('');
    expect(pngs.length).toBe((await pdfInfo(file)).pages);
  }, 300_000);
});
