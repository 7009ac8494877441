// End to end in real Chromium on the real data: the epoch slider (Train and Compare), weight/gradient histograms,
// calibration and the feature-space view, whose points show their image on hover and open Inspect on click.
/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Browser, Locator, Page } from 'playwright-core';
import { requireInCi } from '../helpers/ciRequire.js';
import { DATA_DIR, SCREENSHOT_DIR, chromiumPath, collectErrors, dataPresent, launchBrowser, screenshot, startServer, type RunningServer } from './harness.js';

const hasChromium = requireInCi(!!chromiumPath(), 'chromium (apt-get install chromium)');
const hasData = requireInCi(dataPresent(), `Fashion-MNIST in ${DATA_DIR} (apt-get install dataset-fashion-mnist)`);
const ready = hasChromium && hasData;
const why = !hasChromium ? 'no chromium binary on PATH' : `Fashion-MNIST not found in ${DATA_DIR}`;

/** One card at full resolution, to look at its charts closely. */
async function shoot(card: Locator, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await card.scrollIntoViewIfNeeded();
  await card.page().waitForTimeout(300);
  await card.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
}

describe.skipIf(!ready)(`insight views in Chromium${ready ? '' : ` (skipped: ${why})`}`, () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let origin: string;
  const ids: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    origin = new URL(server.url).origin;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'light' });
    errors = collectErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function train(model: string, name: string): Promise<string> {
    await page.selectOption('[data-testid=train-model]', { label: model });
    await page.fill('[data-testid=train-limit]', '3000');
    await page.fill('[data-testid=train-epochs]', '3');
    await page.fill('[data-testid=train-name]', name);
    const before = await page.locator('[data-testid=live-run]').getAttribute('data-run-id').catch(() => null);
    await page.click('[data-testid=train-start]');
    const panel = page.locator('[data-testid=live-run]');
    await expect.poll(async () => (await panel.getAttribute('data-run-id')) !== before, { timeout: 30_000 }).toBe(true);
    await expect.poll(() => panel.getAttribute('data-status'), { timeout: 400_000, interval: 500 }).toBe('finished');
    return (await panel.getAttribute('data-run-id'))!;
  }

  it('trains a CNN and an MLP; Train shows the epoch slider and the histograms of the watched run', async () => {
    await page.goto(server.url);
    await page.waitForSelector('[data-testid=view-data]');
    await page.click('[data-testid=nav-train]');
    await page.waitForSelector('[data-testid=train-form]');
    ids.push(await train('Seed CNN (preset)', 'cnn 3 epochs'));
    ids.push(await train('Seed ANN (MLP) (preset)', 'mlp 3 epochs'));

    const slider = page.locator('[data-testid=epoch-slider]');
    await slider.waitFor({ timeout: 30_000 });
    await expect.poll(() => slider.locator('[data-testid=epoch-value]').innerText()).toBe('3 / 3');
    await slider.locator('[data-testid=epoch-prev]').click();
    await slider.locator('[data-testid=epoch-prev]').click();
    expect(await slider.locator('[data-testid=epoch-value]').innerText()).toBe('1 / 3');
    expect(await slider.innerText()).toMatch(/epoch 1 · val accuracy \d+\.\d\d%/);

    const hist = page.locator('[data-testid=histograms]');
    await hist.locator('[data-testid=chart-weight-ridges] canvas').first().waitFor({ timeout: 30_000 });
    await hist.locator('[data-testid=chart-grad-norms] canvas').first().waitFor();
    await hist.locator('[data-testid=chart-dead-relu] canvas').first().waitFor();
    // the seed MLP: three Dense layers, a kernel and a bias each
    expect(await hist.locator('[data-testid=histogram-tensor] option').count()).toBe(6);
    expect(await hist.locator('[data-testid=gradient-spread]').innerText()).toMatch(/kernel gradient norms span \d+\.\d decades/);
    await shoot(hist, 'insight-card-histograms-train');
    await screenshot(page, 'insight-train-slider-histograms');
  }, 900_000);

  it('Compare: the slider steps through both runs\' validation confusions and the curves mark the epoch', async () => {
    await page.goto(`${origin}/#/compare?runs=${ids.join(',')}`);
    const slider = page.locator('[data-testid=epoch-slider]');
    await slider.waitFor({ timeout: 60_000 });
    await page.locator('[data-testid=epoch-range]').fill('2');
    expect(await slider.locator('[data-testid=epoch-value]').innerText()).toBe('2 / 3');
    for (const id of ids) await slider.locator(`[data-testid=epoch-confusion-${id}] canvas`).first().waitFor();
    expect(await slider.innerText()).toMatch(/most confused: .+ → .+ \(\d+\)/);
    await shoot(page.locator('[data-testid=curve-explorer]'), 'insight-card-curves-marked');
    await shoot(slider, 'insight-card-epoch-slider');
    await screenshot(page, 'insight-compare-epoch-slider');
  });

  it('Compare: calibration per run from the saved models, with ECE, MCE, temperature and ROC AUC', async () => {
    const card = page.locator('[data-testid=calibration]');
    await card.locator('[data-testid=calibration-table]').waitFor({ timeout: 180_000 });
    for (const id of ids) {
      await card.locator(`[data-testid=calibration-row-${id}]`).waitFor({ timeout: 180_000 });
      const cells = await card.locator(`[data-testid=calibration-row-${id}] td`).allInnerTexts();
      const [ece, mce, t] = cells.slice(1, 4).map(Number);
      expect(ece).toBeGreaterThanOrEqual(0);
      expect(ece).toBeLessThan(0.3);
      expect(mce).toBeGreaterThanOrEqual(ece);
      expect(t).toBeGreaterThan(0.2);
    }
    expect(await card.locator('[data-testid=roc-auc-table] tbody tr').count()).toBe(10);
    await card.locator('[data-testid=roc-auc-table] tbody tr', { hasText: 'Shirt' }).first().click();
    await card.locator('[data-testid=chart-roc] canvas').first().waitFor();
    await shoot(card, 'insight-card-calibration');
    await screenshot(page, 'insight-compare-calibration');
  }, 400_000);

  it('Compare: the feature space of both runs side by side; hover shows the image, a click opens it in Inspect', async () => {
    const card = page.locator('[data-testid=embedding]');
    await card.scrollIntoViewIfNeeded();
    const charts = card.locator('[data-testid=chart-embedding]');
    await expect.poll(() => charts.count(), { timeout: 180_000 }).toBe(2);
    await card.locator('[data-testid=chart-embedding] canvas').first().waitFor();
    await page.waitForTimeout(500);
    // Sweep the first plot until the pointer is over a point.
    const box = (await charts.first().boundingBox())!;
    let hit: { x: number; y: number } | null = null;
    for (let gy = 0.2; gy < 0.8 && !hit; gy += 0.04) {
      for (let gx = 0.15; gx < 0.95 && !hit; gx += 0.03) {
        const x = box.x + gx * box.width, y = box.y + gy * box.height;
        await page.mouse.move(x, y);
        if (await card.locator('[data-testid=embedding-hover]').count()) hit = { x, y };
      }
    }
    expect(hit, 'some point of the embedding under the pointer').not.toBeNull();
    const hover = card.locator('[data-testid=embedding-hover]');
    expect(await hover.innerText()).toMatch(/test image #\d+[\s\S]*true: .+[\s\S]*predicted: .+/);
    await hover.locator('canvas').waitFor();
    await card.screenshot({ path: path.join(SCREENSHOT_DIR, 'insight-card-embedding-hover.png') });
    await screenshot(page, 'insight-compare-embedding-hover');
    const index = /#(\d+)/.exec(await hover.innerText())![1];
    await page.mouse.click(hit!.x, hit!.y);
    await page.waitForSelector('[data-testid=view-inspect]');
    expect(page.url()).toContain(`index=${index}`);
    await expect.poll(() => page.locator('[data-testid=inspect-grid] .tile.selected').count(), { timeout: 30_000 }).toBe(1);
    await screenshot(page, 'insight-inspect-from-embedding');
  }, 400_000);

  it('Compare: UMAP is computed in the worker with progress and shown for both runs', async () => {
    await page.goto(`${origin}/#/compare?runs=${ids.join(',')}`);
    const card = page.locator('[data-testid=embedding]');
    await card.waitFor({ timeout: 60_000 });
    await card.scrollIntoViewIfNeeded();
    await card.locator('[data-testid=embedding-method]').selectOption('umap');
    await expect.poll(() => card.locator('[data-testid=chart-embedding]').count(), { timeout: 300_000, interval: 1000 }).toBe(2);
    await page.waitForTimeout(800);
    await shoot(card, 'insight-card-embedding-umap');
    await screenshot(page, 'insight-compare-embedding-umap');
    expect(errors).toEqual([]);
  }, 400_000);
});
