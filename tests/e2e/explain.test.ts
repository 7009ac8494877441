// End to end in real Chromium on the real data: the inspector explains a seed CNN's mistakes (Grad-CAM, layer picker,
// overlay, top-2 maps and "A, not B"), shows its feature maps, keeps its keys, and offers no Grad-CAM for the ANN.
/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { requireInCi } from '../helpers/ciRequire.js';
import { DATA_DIR, chromiumPath, collectErrors, dataPresent, launchBrowser, screenshot, startServer, type RunningServer } from './harness.js';

const hasChromium = requireInCi(!!chromiumPath(), 'chromium (apt-get install chromium)');
const hasData = requireInCi(dataPresent(), `Fashion-MNIST in ${DATA_DIR} (apt-get install dataset-fashion-mnist)`);
const ready = hasChromium && hasData;
const why = !hasChromium ? 'no chromium binary on PATH' : `Fashion-MNIST not found in ${DATA_DIR}`;

/** Trains the seed ANN and CNN (1 epoch, 10k images) with the CLI into the server's run store; returns their ids. */
function trainSeed(runsDir: string): Promise<{ ann: string; cnn: string }> {
  return new Promise((resolve, reject) => {
    execFile(path.resolve('node_modules/.bin/tsx'), ['electron/cli/experiment.ts', '--preset', 'seed', '--limit', '10000', '--epochs', '1', '--out', runsDir, '--data-dir', DATA_DIR, '--json'],
      { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
        if (err) return reject(new Error(`training failed: ${stderr}`));
        const doc = JSON.parse(stdout) as { runs: Array<{ id: string; preset: string }> };
        resolve({ ann: doc.runs.find((r) => r.preset === 'seed-ann')!.id, cnn: doc.runs.find((r) => r.preset === 'seed-cnn')!.id });
      });
  });
}

describe.skipIf(!ready)(`explanations in the inspector, in Chromium${ready ? '' : ` (skipped: ${why})`}`, () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let origin: string;
  let ids: { ann: string; cnn: string };

  beforeAll(async () => {
    server = await startServer();
    origin = new URL(server.url).origin;
    ids = await trainSeed(server.runsDir);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
    errors = collectErrors(page);
    await page.goto(server.url);
    await page.waitForSelector('[data-testid=view-data]');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const captions = () => page.locator('[data-testid=explain-maps] .cap').allInnerTexts();

  it('shows Grad-CAM of the top-2 classes and "A, not B" for the selected Shirt→Coat mistake, over the image', async () => {
    await page.goto(`${origin}/#/inspect?a=${ids.cnn}&actual=6&predicted=4`);
    await page.waitForSelector('[data-testid=explain-map-2]', { timeout: 120_000 });
    const caps = await captions();
    expect(caps[0]).toMatch(/^Coat \d+\.\d %$/);
    expect(caps[2]).toMatch(/^Coat, not /);
    expect(await page.locator('[data-testid=explain-method] option').allInnerTexts()).toEqual(['Grad-CAM', 'Gradient saliency', 'SmoothGrad', 'Integrated gradients']);
    expect(await page.locator('[data-testid=explain-layer] option').allInnerTexts()).toEqual(['conv2d_1 (last)', 'conv2d']);
    expect(await page.locator('[data-testid=detail-overlay-label]').innerText()).toBe('Grad-CAM (conv2d_1): Coat');
    await page.click('[data-testid=explain-map-2]');
    expect(await page.locator('[data-testid=detail-overlay-label]').innerText()).toMatch(/^Grad-CAM \(conv2d_1\): Coat, not /);
    await screenshot(page, 'explain-gradcam-shirt-coat');
  }, 180_000);

  it('switches layer and method, changes the overlay strength, and turns it off', async () => {
    await page.selectOption('[data-testid=explain-layer]', 'conv2d');
    await expect.poll(() => page.locator('.note').last().innerText(), { timeout: 60_000 }).toContain('at conv2d ·');
    await page.selectOption('[data-testid=explain-method]', 'integrated-gradients');
    await expect.poll(() => page.locator('[data-testid=detail-overlay-label]').innerText(), { timeout: 60_000 }).toMatch(/^Integrated gradients: /);
    await page.fill('[data-testid=explain-opacity]', '1');
    await screenshot(page, 'explain-integrated-gradients');
    await page.uncheck('[data-testid=explain-overlay]');
    expect(await page.locator('[data-testid=detail-overlay-label]').count()).toBe(0);
    await page.check('[data-testid=explain-overlay]');
    await page.selectOption('[data-testid=explain-method]', 'gradcam');
  }, 120_000);

  it('keeps keyboard navigation: the next image is selected and explained', async () => {
    const first = await page.locator('.tile.selected').getAttribute('data-test-index');
    await page.focus('[data-testid=inspect-grid]');
    await page.keyboard.press('ArrowRight');
    const second = await page.locator('.tile.selected').getAttribute('data-test-index');
    expect(second).not.toBe(first);
    await expect.poll(() => page.locator('[data-testid=feature-maps] .hint').innerText(), { timeout: 60_000 }).toContain(`test image ${second}`);
    await page.waitForSelector('[data-testid=explain-map-2]', { timeout: 60_000 });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('inspect-grid');
  }, 120_000);

  it('shows feature maps, the first conv layer\'s filters and per-layer statistics', async () => {
    await page.waitForSelector('[data-testid=feature-stats]', { timeout: 60_000 });
    expect(await page.locator('[data-testid=feature-stats] tbody tr').count()).toBe(7);
    expect(await page.locator('[data-testid=feature-filters] canvas').count()).toBe(32);
    expect(await page.locator('[data-testid=feature-layer-conv2d] canvas').count()).toBe(32);
    expect(await page.locator('[data-testid=feature-layer-conv2d_1] canvas').count()).toBe(64);
    await page.locator('[data-testid=feature-maps]').scrollIntoViewIfNeeded();
    await screenshot(page, 'explain-feature-maps');
  }, 60_000);

  it('offers no Grad-CAM for the ANN, and saliency works there', async () => {
    await page.goto(`${origin}/#/inspect?a=${ids.ann}`);
    await page.waitForSelector('[data-testid=explain-map-2]', { timeout: 120_000 });
    expect(await page.locator('[data-testid=explain-method] option').allInnerTexts()).toEqual(['Gradient saliency', 'SmoothGrad', 'Integrated gradients']);
    expect(await page.locator('[data-testid=explain-panel]').innerText()).toContain('Grad-CAM is not offered');
    expect(await page.locator('[data-testid=detail-overlay-label]').innerText()).toMatch(/^Gradient saliency: /);
    await screenshot(page, 'explain-ann-saliency');
    expect(errors).toEqual([]);
  }, 180_000);
});
