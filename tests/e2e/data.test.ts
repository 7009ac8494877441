// End to end in real Chromium: the data view when the chosen folder holds no data set — GUI words, GUI actions, no stale charts.
/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { requireInCi } from '../helpers/ciRequire.js';
import { DATA_DIR, chromiumPath, collectErrors, dataPresent, launchBrowser, screenshot, startServer, type RunningServer } from './harness.js';

const hasChromium = requireInCi(!!chromiumPath(), 'chromium (apt-get install chromium)');
const hasData = requireInCi(dataPresent(), `Fashion-MNIST in ${DATA_DIR} (apt-get install dataset-fashion-mnist)`);
const ready = hasChromium && hasData;
const why = !hasChromium ? 'no chromium binary on PATH' : `Fashion-MNIST not found in ${DATA_DIR}`;

describe.skipIf(!ready)(`data view with an empty data folder, in Chromium${ready ? '' : ` (skipped: ${why})`}`, () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const emptyDir = mkdtempSync(path.join(os.tmpdir(), 'fmw-empty-data-'));

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
    errors = collectErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(emptyDir, { recursive: true, force: true });
  });

  it('shows the real data first, with its charts', async () => {
    await page.goto(server.url);
    await page.waitForSelector('[data-testid=data-source] .badge.ok', { timeout: 60_000 });
    await page.waitForSelector('[data-testid=chart-class-distribution] canvas');
  });

  it('an empty folder chosen in the view: not found, GUI actions, no old charts or source', async () => {
    await page.fill('[data-testid=data-dir-input]', emptyDir);
    await page.click('[data-testid=data-dir-use]');
    await page.waitForSelector('[data-testid=data-not-found]', { timeout: 30_000 });
    const problem = page.locator('[data-testid=data-problem]');
    await problem.waitFor();
    const text = await problem.innerText();
    expect(text).toContain('The chosen data folder does not hold Fashion-MNIST');
    expect(text).toContain(emptyDir);
    expect(text).toContain(`${emptyDir}: none of the four files is there.`);
    const card = await page.locator('[data-testid=data-source]').innerText();
    for (const cli of ['--data-dir', 'sudo', 'allow the download', 'FASHION_MNIST_DIR=']) expect(card).not.toContain(cli);
    expect(await page.locator('[data-testid=data-problem-download]').innerText()).toMatch(/^Download Fashion-MNIST/);
    expect(await page.locator('[data-testid=data-problem-choose]').isVisible()).toBe(true);
    expect(await page.locator('[data-testid=data-problem-debian]').innerText()).toContain('dataset-fashion-mnist');
    // The page state matches the failure: no "verified" or source badge, no charts or samples of the data loaded before.
    expect(await page.locator('[data-testid=data-source] .badge.ok').count()).toBe(0);
    expect(card).not.toContain('Debian package');
    expect(await page.locator('[data-testid=chart-class-distribution]').count()).toBe(0);
    expect(await page.locator('[data-testid=chart-mean-intensity]').count()).toBe(0);
    expect(await page.locator('[data-testid=sample-row-0]').count()).toBe(0);
    expect(await page.locator('[data-testid=split-sizes]').count()).toBe(0);
    // "Enter a folder below" (browser mode has no native folder dialog) puts the cursor in the folder field.
    await page.click('[data-testid=data-problem-choose]');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('data-dir-input');
    await screenshot(page, 'data-empty-folder');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await screenshot(page, 'data-empty-folder-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('"Search the usual places instead" brings the data set and its charts back', async () => {
    await page.click('[data-testid=data-problem-usual]');
    await page.waitForSelector('[data-testid=data-source] .badge.ok', { timeout: 60_000 });
    await page.waitForSelector('[data-testid=chart-class-distribution] canvas');
    expect(await page.locator('[data-testid=data-problem]').count()).toBe(0);
    expect(await page.inputValue('[data-testid=data-dir-input]')).toBe('');
    expect(errors).toEqual([]);
  });
});
