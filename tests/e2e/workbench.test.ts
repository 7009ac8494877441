// End to end in real Chromium against browser mode on the real data: every view a researcher uses, one run at a time.
/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { CLASS_NAMES } from '../../shared/classes.js';
import { requireInCi } from '../helpers/ciRequire.js';
import { DATA_DIR, chromiumPath, collectErrors, dataPresent, launchBrowser, screenshot, startServer, type RunningServer } from './harness.js';

// Outside CI a missing browser or data set skips with the reason in the title; under CI=true (.ci/run installs both) it fails.
const hasChromium = requireInCi(!!chromiumPath(), 'chromium (apt-get install chromium)');
const hasData = requireInCi(dataPresent(), `Fashion-MNIST in ${DATA_DIR} (apt-get install dataset-fashion-mnist)`);
const ready = hasChromium && hasData;
const why = !hasChromium ? 'no chromium binary on PATH' : `Fashion-MNIST not found in ${DATA_DIR}`;

/** Grid geometry of a compact confusion matrix (shared/charts/confusionMatrix.ts: left 62, right 8, top 8, bottom 52). */
function cellPoint(box: { x: number; y: number; width: number; height: number }, actual: number, predicted: number) {
  const left = 62, right = 8, top = 8, bottom = 52;
  const w = (box.width - left - right) / 10;
  const h = (box.height - top - bottom) / 10;
  return { x: box.x + left + (predicted + 0.5) * w, y: box.y + top + (actual + 0.5) * h };
}

describe.skipIf(!ready)(`workbench in Chromium${ready ? '' : ` (skipped: ${why})`}`, () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const runIds: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
    errors = collectErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('loads the data view with its charts and sample images', async () => {
    await page.goto(server.url);
    await page.waitForSelector('[data-testid=view-data]');
    // The token moves from the address bar to sessionStorage, so a reload still connects.
    expect(page.url()).not.toContain('token=');
    await page.waitForSelector('[data-testid=data-source] .badge.ok', { timeout: 60_000 });
    await page.waitForSelector('[data-testid=chart-class-distribution] canvas');
    await page.waitForSelector('[data-testid=chart-mean-intensity] canvas');
    await expect.poll(() => page.locator('[data-testid=split-sizes]').innerText()).toContain('50,000');
    // Sample images are drawn: a sample canvas has non-black pixels.
    await expect.poll(() => page.evaluate(() => {
      const c = document.querySelectorAll<HTMLCanvasElement>('[data-testid=sample-row-0] canvas')[1];
      if (!c) return 0;
      const px = c.getContext('2d')!.getImageData(0, 0, 28, 28).data;
      let lit = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i] > 0) lit++;
      return lit;
    }), { timeout: 30_000 }).toBeGreaterThan(50);
    const rendering = await page.locator('[data-testid=sample-row-0] canvas').first().evaluate((c) => getComputedStyle(c).imageRendering);
    expect(rendering).toBe('pixelated');
    await page.reload();
    await page.waitForSelector('[data-testid=data-source] .badge.ok', { timeout: 60_000 });
    await screenshot(page, 'data');
  });

  it('builds a model in the editor and shows the parameter count live', async () => {
    await page.click('[data-testid=nav-models]');
    await page.waitForSelector('[data-testid=view-models]');
    await page.click('[data-testid=new-blank]');
    // Dense(10, softmax) on 784 inputs: 7,850 parameters.
    await expect.poll(() => page.locator('[data-testid=total-params]').innerText()).toBe('7,850');
    await page.selectOption('[data-testid=add-layer-type]', 'Dense');
    await page.click('[data-testid=add-layer]');
    // Dense(128) + Dense(10): 100,480 + 1,290.
    await expect.poll(() => page.locator('[data-testid=total-params]').innerText()).toBe('101,770');
    await page.fill('[data-testid=layer-0-units]', '0');
    await page.waitForSelector('[data-testid=layer-0-issue]');
    expect(await page.locator('[data-testid=layer-0-issue]').innerText()).toMatch(/layer 1 \(Dense\).*units/);
    await page.fill('[data-testid=layer-0-units]', '64');
    await expect.poll(() => page.locator('[data-testid=total-params]').innerText()).toBe('50,890');
    expect(await page.locator('[data-testid=layer-0-issue]').count()).toBe(0);
    expect(await page.locator('[data-testid=layer-0-shape]').innerText()).toBe('(None, 64)');
    await page.fill('[data-testid=model-name]', 'e2e-mlp');
    await screenshot(page, 'models');
  });

  it('trains the model and the curves gain points live', async () => {
    await page.click('[data-testid=train-draft]');
    await page.waitForSelector('[data-testid=view-train]');
    await page.fill('[data-testid=train-limit]', '3000');
    await page.fill('[data-testid=train-epochs]', '2');
    await page.fill('[data-testid=train-name]', 'e2e MLP');
    await page.click('[data-testid=train-start]');
    const panel = page.locator('[data-testid=live-run]');
    await panel.waitFor();
    await expect.poll(() => panel.getAttribute('data-status'), { timeout: 300_000, interval: 500 }).toBe('finished');
    runIds.push((await panel.getAttribute('data-run-id'))!);
    expect(Number(await panel.getAttribute('data-epochs'))).toBe(2);
    await expect.poll(() => page.locator('[data-testid=live-test-acc]').innerText(), { timeout: 60_000 }).toMatch(/%$/);
    // The backend in use and why.
    expect((await page.locator('[data-testid=backend-info]').innerText()).length).toBeGreaterThan(20);
  });

  it('watches a CNN train: batch and epoch points arrive while it runs', async () => {
    await page.selectOption('[data-testid=train-model]', { label: 'Seed CNN (preset)' });
    await page.fill('[data-testid=train-limit]', '20000');
    await page.fill('[data-testid=train-epochs]', '2');
    await page.fill('[data-testid=train-name]', 'e2e CNN');
    await page.click('[data-testid=train-start]');
    const panel = page.locator('[data-testid=live-run]');
    await expect.poll(async () => (await panel.getAttribute('data-run-id')) !== runIds[0], { timeout: 30_000 }).toBe(true);
    const seen = new Set<string>();
    let shot = false;
    for (let i = 0; i < 1200; i++) {
      const status = await panel.getAttribute('data-status');
      const points = `${await panel.getAttribute('data-epochs')}/${await panel.getAttribute('data-batches')}`;
      if (status === 'running' && points !== '0/0') seen.add(points);
      if (!shot && status === 'running' && Number(await panel.getAttribute('data-batches')) >= 3) {
        await screenshot(page, 'train-live');
        shot = true;
      }
      if (status === 'finished' || status === 'failed') break;
      await page.waitForTimeout(250);
    }
    expect(await panel.getAttribute('data-status')).toBe('finished');
    // The chart's data grew at least twice while the run was still running.
    expect(seen.size).toBeGreaterThanOrEqual(2);
    runIds.push((await panel.getAttribute('data-run-id'))!);
    await page.waitForSelector('[data-testid=chart-accuracy] canvas');
    await screenshot(page, 'train');
  });

  it('compares the two runs', async () => {
    await page.goto(`${new URL(server.url).origin}/#/compare?runs=${runIds.join(',')}`);
    await page.waitForSelector('[data-testid=compare-metrics]', { timeout: 60_000 });
    await page.waitForSelector('[data-testid=confusion-A] canvas');
    await page.waitForSelector('[data-testid=confusion-B] canvas');
    await page.waitForSelector('[data-testid=confusion-diff] canvas');
    expect(await page.locator('[data-testid=compare-metrics] tbody tr').count()).toBeGreaterThan(8);
    expect(await page.locator('[data-testid=config-diff]').innerText()).toContain('model.inputShape');
    await screenshot(page, 'compare');
    // The contract has exportReport, so the button must be there and must deliver a PDF.
    expect(await page.locator('[data-testid=export-report]').count()).toBe(1);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 180_000 }), page.click('[data-testid=export-report]')]);
    expect(download.suggestedFilename()).toMatch(/\.pdf$/);
    const file = await download.path();
    const head = (await import('node:fs')).readFileSync(file!).subarray(0, 5).toString('latin1');
    expect(head).toBe('%PDF-');
  });

  it('clicking a confusion cell opens the inspector on that cell', async () => {
    // Of the most confused pairs, the one run A confuses most: a short MLP run makes dozens of such mistakes.
    const rows = await page.locator('[data-testid=top-pairs] tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.innerText)));
    expect(rows.length).toBeGreaterThan(0);
    // "13" or, when the test sets differ in size, "13 · 2.2%".
    const countOf = (cells: string[]) => Number(cells[1].split(' ')[0]);
    const cells = rows.reduce((best, r) => (countOf(r) > countOf(best) ? r : best));
    const [actualName, predictedName] = cells[0].split(' → ');
    const actual = CLASS_NAMES.indexOf(actualName as (typeof CLASS_NAMES)[number]);
    const predicted = CLASS_NAMES.indexOf(predictedName as (typeof CLASS_NAMES)[number]);
    const countA = countOf(cells);
    expect(actual).toBeGreaterThanOrEqual(0);
    expect(predicted).toBeGreaterThanOrEqual(0);
    expect(countA).toBeGreaterThanOrEqual(2);
    const chart = page.locator('[data-testid=confusion-A] [data-testid=confusion-chart]');
    await chart.scrollIntoViewIfNeeded();
    const box = (await chart.boundingBox())!;
    const pt = cellPoint(box, actual, predicted);
    await page.mouse.click(pt.x, pt.y);
    await page.waitForSelector('[data-testid=view-inspect]');
    await expect.poll(() => page.locator('[data-testid=inspect-count]').innerText(), { timeout: 30_000 }).toContain(`${countA} image`);
    const count = page.locator('[data-testid=inspect-count]');
    expect(await count.innerText()).toContain(`true ${actualName}`);
    expect(await count.innerText()).toContain(`predicted ${predictedName}`);
    const tiles = page.locator('[data-testid=inspect-grid] .tile');
    await expect.poll(() => tiles.count()).toBe(Math.min(countA, 120));
    const truths = await tiles.locator('.truth').first().innerText();
    expect(actualName.startsWith(truths) || truths === 'T-shirt').toBe(true);
    // Images of that cell are drawn (not blank) and crisp.
    await expect.poll(() => tiles.first().locator('canvas').evaluate((c: HTMLCanvasElement) => {
      const px = c.getContext('2d')!.getImageData(0, 0, 28, 28).data;
      let lit = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i] > 0) lit++;
      return lit;
    }), { timeout: 30_000 }).toBeGreaterThan(30);
    // Keyboard: → moves the selection.
    await page.locator('[data-testid=inspect-grid]').focus();
    const before = await page.locator('[data-testid=image-detail] .kv dd').first().innerText();
    await page.keyboard.press('ArrowRight');
    expect(await page.locator('[data-testid=image-detail] .kv dd').first().innerText()).not.toBe(before);
    await screenshot(page, 'inspect');
  });

  it('inspects two runs with both-wrong / fixed / broken tabs', async () => {
    await page.goto(`${new URL(server.url).origin}/#/inspect?a=${runIds[0]}&b=${runIds[1]}&tab=fixed`);
    await page.waitForSelector('[data-testid=tab-fixed].active');
    await expect.poll(() => page.locator('[data-testid=inspect-grid] .tile').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await screenshot(page, 'inspect-two-runs');
  });

  it('lists the runs, and the compare view reads well in the dark theme', async () => {
    await page.goto(`${new URL(server.url).origin}/#/runs`);
    for (const id of runIds) await page.waitForSelector(`[data-testid=run-row-${id}] [data-status=finished]`);
    await screenshot(page, 'runs');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${new URL(server.url).origin}/#/compare?runs=${runIds.join(',')}`);
    await page.waitForSelector('[data-testid=confusion-diff] canvas');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await screenshot(page, 'compare-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('renders every other view in the dark theme too (screenshots to look at)', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    const origin = new URL(server.url).origin;
    const views: Array<[string, string, string]> = [
      ['data', '#/data', '[data-testid=chart-mean-intensity] canvas'],
      ['models', '#/models', '[data-testid=total-params]'],
      ['train', `#/train?run=${runIds[1]}`, `[data-testid=live-run][data-run-id="${runIds[1]}"][data-status=finished]`],
      ['inspect', `#/inspect?a=${runIds[0]}&b=${runIds[1]}`, '[data-testid=inspect-grid] .tile'],
      ['runs', '#/runs', `[data-testid=run-row-${runIds[0]}]`],
    ];
    for (const [name, hash, ready] of views) {
      await page.goto(`${origin}/${hash}`);
      await page.waitForSelector(ready, { timeout: 30_000 });
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
      await screenshot(page, `${name}-dark`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('reported no console errors or CSP violations', () => {
    expect(errors).toEqual([]);
  });
});
