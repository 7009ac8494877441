// End to end in real Chromium on the real data: a 2×2 grid sweep written by two concurrent shard processes shows up
// as one sweep in the Sweeps view (parallel coordinates, scatter, ranked trials, best trial one click from Compare),
// and a 1-epoch run is resumed to 2 epochs from the Runs view.
/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { requireInCi } from '../helpers/ciRequire.js';
import { DATA_DIR, chromiumPath, collectErrors, dataPresent, launchBrowser, screenshot, startServer, type RunningServer } from './harness.js';

const hasChromium = requireInCi(!!chromiumPath(), 'chromium (apt-get install chromium)');
const hasData = requireInCi(dataPresent(), `Fashion-MNIST in ${DATA_DIR} (apt-get install dataset-fashion-mnist)`);
const ready = hasChromium && hasData;
const why = !hasChromium ? 'no chromium binary on PATH' : `Fashion-MNIST not found in ${DATA_DIR}`;

function experiment(args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('npx', ['tsx', 'electron/cli/experiment.ts', '--data-dir', DATA_DIR, '--backend', 'wasm', '--limit', '512', ...args], { maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const model = {
  name: 'sweep-cnn',
  inputShape: [28, 28, 1],
  layers: [
    { type: 'Conv2D', filters: 4, kernelSize: 3, activation: 'relu' },
    { type: 'MaxPooling2D', poolSize: 2 },
    { type: 'Flatten' },
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
};

describe.skipIf(!ready)(`Sweeps view and resume in Chromium${ready ? '' : ` (skipped: ${why})`}`, () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let shortId = '';

  beforeAll(async () => {
    server = await startServer();
    const file = path.join(server.runsDir, '..', 'sweep.json');
    await writeFile(file, JSON.stringify({ runs: [
      { name: 'lr × filters', model, hyper: { epochs: 1, batchSize: 64 }, sweep: { method: 'grid', space: { 'hyper.learningRate': [0.0005, 0.003], 'model.layers.0.filters': [4, 8] } } },
    ] }));
    const short = path.join(server.runsDir, '..', 'short.json');
    await writeFile(short, JSON.stringify({ runs: [{ name: 'resume me', model, hyper: { epochs: 1, batchSize: 64, learningRate: 0.002 } }] }));
    const out = ['--out', server.runsDir, '--json'];
    const results = await Promise.all([experiment(['--config', file, '--shard', '0/2', ...out]), experiment(['--config', file, '--shard', '1/2', ...out]), experiment(['--config', short, ...out])]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    shortId = JSON.parse(results[2].stdout).runs[0].id;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
    errors = collectErrors(page);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows the two shards as one sweep with its charts and ranked trials, and opens the best trial in Compare', async () => {
    await page.goto(server.url);
    await page.waitForSelector('[data-testid=view-data]');
    await page.click('[data-testid=nav-sweeps]');
    await page.waitForSelector('[data-testid=view-sweeps]');
    await expect.poll(() => page.locator('[data-testid=sweep-trials] tbody tr').count(), { timeout: 30_000 }).toBe(4);
    expect(await page.locator('[data-testid=sweep-select] option').count()).toBe(1);
    await expect.poll(() => page.locator('[data-testid=sweep-summary]').innerText()).toMatch(/grid sweep[\s\S]*4 of 4 trials stored · 4 finished/);
    await page.waitForSelector('[data-testid=chart-sweep-parallel] canvas');
    await page.waitForSelector('[data-testid=chart-sweep-scatter] canvas');
    // Ranked: the first row has the highest validation accuracy.
    const vals = await page.locator('[data-testid=sweep-trials] tbody tr td:nth-child(5)').allInnerTexts();
    const nums = vals.map((v) => Number.parseFloat(v));
    expect(nums).toEqual([...nums].sort((a, b) => b - a));
    await screenshot(page, 'sweeps-view');

    const bestId = (await page.locator('[data-testid=sweep-trials] tbody tr').first().locator('.id').innerText()).trim();
    await page.click('[data-testid=compare-best]');
    await page.waitForSelector('[data-testid=view-compare]');
    await expect.poll(() => page.evaluate(() => window.location.hash)).toMatch(new RegExp(`runs=${bestId}%2C|runs=${bestId},`));
    await page.waitForSelector('[data-testid=chart-accuracy-bars] canvas');
    await screenshot(page, 'sweeps-compare-best');
  }, 120_000);

  it('resumes a finished 1-epoch run to 2 epochs from the Runs view, refusing a total that is not above 1', async () => {
    await page.click('[data-testid=nav-runs]');
    await page.waitForSelector(`[data-testid=resume-${shortId}]`);
    await page.click(`[data-testid=resume-${shortId}]`);
    await page.fill('[data-testid=resume-epochs]', '1');
    await expect.poll(() => page.locator('[data-testid=resume-error]').innerText()).toBe('the run has 1 epoch: give a total above 1');
    expect(await page.locator('[data-testid=resume-submit]').isDisabled()).toBe(true);
    await page.fill('[data-testid=resume-epochs]', '2');
    await screenshot(page, 'runs-resume-form');
    await page.click('[data-testid=resume-submit]');
    const row = page.locator(`[data-testid=run-row-${shortId}]`);
    await expect.poll(() => row.innerText(), { timeout: 120_000, interval: 500 }).toMatch(/finished[\s\S]*2\s*\/\s*2/);
    await screenshot(page, 'runs-resumed');
    expect(errors).toEqual([]);
  }, 180_000);
});
