// End to end in Chromium (issue 14, "Train, Runs, Models"): unique draft names, "+" in a conv stack, the diagram, the cost
// preview, consistent queue and epoch labels, a runs table that fits 1400 px, and the curve controls; light and dark screenshots.
/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { requireInCi } from '../helpers/ciRequire.js';
import { DATA_DIR, chromiumPath, collectErrors, dataPresent, launchBrowser, screenshot, startServer, type RunningServer } from './harness.js';

const hasChromium = requireInCi(!!chromiumPath(), 'chromium (apt-get install chromium)');
const hasData = requireInCi(dataPresent(), `Fashion-MNIST in ${DATA_DIR} (apt-get install dataset-fashion-mnist)`);
const ready = hasChromium && hasData;
const why = !hasChromium ? 'no chromium binary on PATH' : `Fashion-MNIST not found in ${DATA_DIR}`;

describe.skipIf(!ready)(`train, runs and models in Chromium${ready ? '' : ` (skipped: ${why})`}`, () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let runId = '';
  let draftName = '';
  const origin = () => new URL(server.url).origin;

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    // The width the issue names: the runs table must fit a 1400 px window.
    page = await browser.newPage({ viewport: { width: 1400, height: 900 }, colorScheme: 'light' });
    errors = collectErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const draftNames = () => page.locator('[data-testid=draft-list] .draft-name').allInnerTexts();

  it('adds a preset twice under unique names, inserts a conv in a conv stack and draws the diagram', async () => {
    await page.goto(server.url);
    await page.click('[data-testid=nav-models]');
    await page.waitForSelector('[data-testid=preset-seed-cnn]');
    // First start copies every preset into a draft.
    await expect.poll(async () => (await draftNames()).length, { timeout: 30_000 }).toBeGreaterThan(0);
    const before = await draftNames();
    await page.click('[data-testid=preset-seed-cnn]');
    await page.click('[data-testid=preset-seed-cnn]');
    const after = await draftNames();
    expect(after.length).toBe(before.length + 2);
    expect(new Set(after).size).toBe(after.length);
    const added = after.filter((n) => !before.includes(n));
    expect(added).toHaveLength(2);
    draftName = await page.locator('[data-testid=model-name]').inputValue();
    expect(added).toContain(draftName);
    // Numbered after the preset's own model name, which the first-start draft already has.
    expect(before.some((n) => draftName.startsWith(n) && /[-\s]\d+$/.test(draftName.slice(n.length)))).toBe(true);

    // "+" on the first convolution inserts a convolution that keeps the stack valid.
    const params = Number((await page.locator('[data-testid=total-params]').innerText()).replace(/,/g, ''));
    expect(await page.locator('[data-testid=layer-0-insert]').getAttribute('title')).toContain('Conv2D');
    await page.click('[data-testid=layer-0-insert]');
    expect(await page.locator('[data-testid=layer-1-type]').inputValue()).toBe('Conv2D');
    expect(await page.locator('[data-testid=layer-1-shape]').innerText()).toBe(await page.locator('[data-testid=layer-0-shape]').innerText());
    expect(await page.locator('[data-testid=model-invalid]').count()).toBe(0);
    await expect.poll(async () => Number((await page.locator('[data-testid=total-params]').innerText()).replace(/,/g, ''))).toBe(params + 3 * 3 * 32 * 32 + 32);
    // After the Flatten, "+" offers a Dense layer.
    const types = await page.locator('[data-testid^=layer-][data-testid$=-type]').evaluateAll((els) => els.map((e) => (e as HTMLSelectElement).value));
    expect(await page.locator(`[data-testid=layer-${types.indexOf('Flatten')}-insert]`).getAttribute('title')).toContain('Dense');

    // The diagram: the input and one box per layer, each with its output shape.
    const nodes = page.locator('[data-testid=model-diagram] li.node');
    expect(await nodes.count()).toBe(types.length + 1);
    expect(await page.locator('[data-testid=diagram-node-1]').innerText()).toContain('26×26×32');
    expect(await page.locator('[data-testid=diagram-node-input]').innerText()).toContain('28×28×1');
    await screenshot(page, 'tm-models');
  });

  it('shows the cost preview before training and labels queue and epochs the same way everywhere', async () => {
    await page.click('[data-testid=train-draft]');
    await page.waitForSelector('[data-testid=view-train]');
    // The edited preset trains as a custom model, under its own name.
    expect(await page.locator('[data-testid=train-model]').evaluate((s: HTMLSelectElement) => s.selectedOptions[0].text)).toContain(draftName);
    await page.fill('[data-testid=train-limit]', '1500');
    await page.fill('[data-testid=train-epochs]', '3');
    const cost = page.locator('[data-testid=cost-preview]');
    await cost.waitFor();
    expect(await page.locator('[data-testid=cost-epoch]').innerText()).toMatch(/^≈ .+ per epoch$/);
    expect(await cost.innerText()).toMatch(/1,500 training \+ 300 validation images/);
    expect(await cost.innerText()).toContain('An estimate');

    await page.click('[data-testid=train-start]');
    const panel = page.locator('[data-testid=live-run]');
    await panel.waitFor();
    runId = (await panel.getAttribute('data-run-id'))!;
    // Poll while it runs: the panel and the queue row always show the same "done / planned" and the same running epoch.
    const seen = new Set<string>();
    for (let i = 0; i < 1200; i++) {
      const status = await panel.getAttribute('data-status');
      const text = await page.locator('body').innerText();
      expect(text).not.toMatch(/position \d+ in queue/);
      if (status === 'queued') {
        const queueText = await page.locator(`[data-testid=queue-place-${runId}]`).innerText().catch(() => '');
        if (queueText) expect(queueText).toMatch(/^next to start/);
      }
      const panelEpochs = await page.locator('[data-testid=live-epoch]').innerText();
      const rowEpochs = (await page.locator(`[data-testid=queue-epochs-${runId}]`).innerText()).split('\n')[0].trim();
      const panelDetail = await page.locator('[data-testid=live-epoch-detail]').innerText();
      const rowDetail = (await page.locator(`[data-testid=queue-epochs-${runId}]`).innerText()).split('\n')[1]?.trim() ?? '';
      // The two read the store at slightly different moments only when an epoch ends between the reads: re-read once then.
      if (panelEpochs !== rowEpochs || panelDetail !== rowDetail) {
        await page.waitForTimeout(100);
        const p2 = await page.locator('[data-testid=live-epoch]').innerText();
        const r2 = (await page.locator(`[data-testid=queue-epochs-${runId}]`).innerText()).split('\n')[0].trim();
        expect(r2).toBe(p2);
      }
      if (status === 'running') seen.add(`${panelEpochs}|${panelDetail}`);
      if (status === 'finished' || status === 'failed') break;
      await page.waitForTimeout(200);
    }
    expect(await panel.getAttribute('data-status')).toBe('finished');
    expect([...seen].some((s) => /\| *epoch \d in progress$/.test(s))).toBe(true);
    expect(await page.locator('[data-testid=live-epoch]').innerText()).toBe('3 / 3');
    expect((await page.locator(`[data-testid=queue-epochs-${runId}]`).innerText()).trim()).toBe('3 / 3');
  });

  it('drives the curve controls: smoothing, zoom, log loss, wall-clock axis and the learning-rate curve', async () => {
    await page.waitForSelector('[data-testid=curve-explorer] [data-testid=chart-lr] canvas');
    await page.locator('[data-testid=curve-smoothing]').fill('0.9');
    expect(await page.locator('[data-testid=curve-controls]').innerText()).toContain('0.90');
    await page.check('[data-testid=curve-log-loss]');
    await page.selectOption('[data-testid=curve-x-axis]', 'time');
    // Zoom with the mouse wheel inside the accuracy plot: the shared zoom window changes, so "Reset zoom" comes alive.
    const reset = page.locator('[data-testid=curve-reset-zoom]');
    expect(await reset.isDisabled()).toBe(true);
    const box = (await page.locator('[data-testid=chart-accuracy]').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2 - 20);
    for (let i = 0; i < 4; i++) await page.mouse.wheel(0, -200);
    await expect.poll(() => reset.isDisabled(), { timeout: 5_000 }).toBe(false);
    await screenshot(page, 'tm-train-zoomed');
    await reset.click();
    await page.selectOption('[data-testid=curve-x-axis]', 'epoch');
    await page.uncheck('[data-testid=curve-log-loss]');
    await page.uncheck('[data-testid=curve-show-lr]');
    expect(await page.locator('[data-testid=chart-lr]').count()).toBe(0);
    await page.check('[data-testid=curve-show-lr]');
    await page.waitForSelector('[data-testid=chart-lr] canvas');
    await screenshot(page, 'tm-train');
  });

  it('fits the runs table in 1400 px with Export and Delete in view, and shows the training size', async () => {
    await page.click('[data-testid=nav-runs]');
    const row = page.locator(`[data-testid=run-row-${runId}]`);
    await row.waitFor();
    const wrap = page.locator('[data-testid=runs-table]').locator('xpath=..');
    await expect.poll(() => wrap.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    for (const name of ['Export', 'Delete']) {
      const b = (await row.getByRole('button', { name }).boundingBox())!;
      expect(b.x + b.width).toBeLessThanOrEqual(1400);
    }
    await expect.poll(() => page.locator(`[data-testid=train-size-${runId}]`).innerText(), { timeout: 15_000 }).toBe('1,500');
    expect(await page.locator('[data-testid=runs-table] th').allInnerTexts()).toContain('Train size');
    // An edited preset is listed under its own name, not the preset's.
    expect((await row.innerText()).split('\n')[0].trim()).toBe(draftName);
    expect(await row.innerText()).not.toContain('preset seed-cnn');
    await screenshot(page, 'tm-runs');
  });

  it('renders the three views in the dark theme (screenshots to look at)', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    const views: Array<[string, string, string]> = [
      ['tm-models-dark', '#/models', '[data-testid=model-diagram]'],
      ['tm-train-dark', `#/train?run=${runId}`, `[data-testid=live-run][data-run-id="${runId}"][data-status=finished]`],
      ['tm-runs-dark', '#/runs', `[data-testid=run-row-${runId}]`],
    ];
    for (const [name, hash, sel] of views) {
      await page.goto(`${origin()}/${hash}`);
      await page.waitForSelector(sel, { timeout: 30_000 });
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
      await screenshot(page, name);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('reported no console errors or CSP violations', () => {
    expect(errors).toEqual([]);
  });
});
