// End to end in real Chromium on the real data: Compare shows McNemar's test and a paired CI, colours only significant differences, and Inspect takes over its A/B.
/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { requireInCi } from '../helpers/ciRequire.js';
import { DATA_DIR, chromiumPath, collectErrors, dataPresent, launchBrowser, screenshot, startServer, type RunningServer } from './harness.js';

const hasChromium = requireInCi(!!chromiumPath(), 'chromium (apt-get install chromium)');
const hasData = requireInCi(dataPresent(), `Fashion-MNIST in ${DATA_DIR} (apt-get install dataset-fashion-mnist)`);
const ready = hasChromium && hasData;
const why = !hasChromium ? 'no chromium binary on PATH' : `Fashion-MNIST not found in ${DATA_DIR}`;

describe.skipIf(!ready)(`Compare's significance in Chromium${ready ? '' : ` (skipped: ${why})`}`, () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let origin: string;
  /** A and B: one config trained twice (no real difference); C: a learning rate too small to learn in one epoch; D: a smaller test set. */
  const ids: Record<'A' | 'B' | 'C' | 'D', string> = { A: '', B: '', C: '', D: '' };

  beforeAll(async () => {
    server = await startServer();
    origin = new URL(server.url).origin;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
    errors = collectErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function train(name: string, limit: number, lr: number): Promise<string> {
    await page.selectOption('[data-testid=train-model]', { label: 'Seed ANN (MLP) (preset)' });
    await page.fill('[data-testid=train-limit]', String(limit));
    await page.fill('[data-testid=train-epochs]', '1');
    await page.fill('[data-testid=train-lr]', String(lr));
    await page.fill('[data-testid=train-name]', name);
    const before = await page.locator('[data-testid=live-run]').getAttribute('data-run-id').catch(() => null);
    await page.click('[data-testid=train-start]');
    const panel = page.locator('[data-testid=live-run]');
    await expect.poll(async () => (await panel.getAttribute('data-run-id')) !== before, { timeout: 30_000 }).toBe(true);
    await expect.poll(() => panel.getAttribute('data-status'), { timeout: 300_000, interval: 500 }).toBe('finished');
    return (await panel.getAttribute('data-run-id'))!;
  }

  it('trains four short MLP runs on real data', async () => {
    await page.goto(server.url);
    await page.waitForSelector('[data-testid=view-data]');
    await page.click('[data-testid=nav-train]');
    await page.waitForSelector('[data-testid=train-form]');
    ids.A = await train('mlp lr 1e-3', 3000, 0.001);
    ids.B = await train('mlp lr 1e-3 again', 3000, 0.001);
    ids.C = await train('mlp lr 1e-6', 3000, 0.000001);
    ids.D = await train('mlp small test set', 1800, 0.001);
    expect(new Set(Object.values(ids)).size).toBe(4);
  });

  it('shows McNemar\'s p and a 95 % CI, and colours the accuracy difference only when significant', async () => {
    await page.goto(`${origin}/#/compare?runs=${[ids.A, ids.B, ids.C, ids.D].join(',')}`);
    const card = page.locator('[data-testid=compare-significance]');
    await card.waitFor({ timeout: 60_000 });
    await page.waitForSelector('[data-testid=significance-C] [data-testid=significance-p]', { timeout: 60_000 });
    expect(await card.innerText()).toContain('Newcombe');

    for (const role of ['B', 'C'] as const) {
      const row = page.locator(`[data-testid=significance-${role}]`);
      const p = await row.locator('[data-testid=significance-p]').innerText();
      const exact = await row.locator('[data-testid=significance-exact-p]').innerText();
      expect(p).toMatch(/^(< 0\.0001|[01](\.\d+)?(e-\d+)?)$/);
      expect(exact).toMatch(/^(< 0\.0001|[01](\.\d+)?(e-\d+)?)$/);
      expect(await row.locator('[data-testid=significance-ci]').innerText()).toMatch(/^\[[+−±]\d+\.\d\d pp, [+−±]\d+\.\d\d pp\]$/);
      const significant = (await row.getAttribute('data-significant')) === 'true';
      const verdict = await row.locator('[data-testid=significance-verdict]').innerText();
      const diffClass = (await row.locator('[data-testid=significance-diff]').getAttribute('class')) ?? '';
      const metricClass = (await page.locator(`[data-testid=accuracy-delta-${role}]`).getAttribute('class')) ?? '';
      const note = await page.locator(`[data-testid=accuracy-significance-${role}]`).innerText();
      if (significant) {
        expect(verdict).toMatch(/^[BC] is (better|worse) than A: significant, p/);
        expect(diffClass).toMatch(/ok-text|bad-text/);
        expect(metricClass).toMatch(/ok-text|bad-text/);
        expect(note).toMatch(/^significant, p/);
      } else {
        expect(verdict).toMatch(/not significant, p/);
        expect(diffClass).not.toMatch(/ok-text|bad-text/);
        expect(metricClass).not.toMatch(/ok-text|bad-text/);
        expect(note).toMatch(/^not significant, p/);
      }
    }
    // A learning rate of 1e-6 for one epoch barely moves the weights: far worse than A, and the test says so in red.
    expect(await page.locator('[data-testid=significance-C]').getAttribute('data-significant')).toBe('true');
    expect(await page.locator('[data-testid=significance-C] [data-testid=significance-diff]').getAttribute('class')).toContain('bad-text');
    // D was tested on fewer images: no McNemar, and the reason in words.
    expect(await page.locator('[data-testid=significance-D]').innerText()).toMatch(/needs both runs evaluated on the same test images/);
    expect(await page.locator('[data-testid=significance-D]').getAttribute('data-significant')).toBe('untested');
    await screenshot(page, 'compare-significance');
  });

  it('aligns the config diff and states each run\'s test size', async () => {
    const summaries = await page.locator('[data-testid=config-diff-summary]').allInnerTexts();
    // Same preset each time: the layers are the same, only hyperparameters or data differ.
    expect(summaries).toHaveLength(3);
    for (const s of summaries) expect(s).toMatch(/^same layers · /);
    expect(await page.locator('[data-testid=config-diff-C] [data-testid=settings-diff]').innerText()).toContain('hyper.learningRate');
    expect(await page.locator('[data-testid=config-diff-D] [data-testid=settings-diff]').innerText()).toContain('data.limit');
    const sizes = await page.locator('[data-testid=test-size]').allInnerTexts();
    expect(sizes).toHaveLength(2);
    // D is in the selection with a smaller test set, so even A and B show shares of the true class.
    for (const s of sizes) expect(s).toMatch(/^\d[\d,]* test images · % of true class$/);
  });

  it('normalises the confusion matrices when the test sets differ in size', async () => {
    await page.goto(`${origin}/#/compare?runs=${[ids.A, ids.D].join(',')}`);
    await page.waitForSelector('[data-testid=unequal-test-sets]', { timeout: 60_000 });
    const sizes = await page.locator('[data-testid=test-size]').allInnerTexts();
    expect(sizes[0]).not.toBe(sizes[1]);
    for (const s of sizes) expect(s).toMatch(/test images · % of true class$/);
    await page.waitForSelector('[data-testid=confusion-diff] canvas');
    await screenshot(page, 'compare-unequal-test-sets');
  });

  it('Inspect opens on Compare\'s A and B, and "Both wrong" under a predicted filter means both predicted it', async () => {
    await page.goto(`${origin}/#/compare?runs=${[ids.C, ids.A].join(',')}`);
    await page.waitForSelector('[data-testid=compare-significance]', { timeout: 60_000 });
    await page.click('[data-testid=nav-inspect]');
    await page.waitForSelector('[data-testid=view-inspect]');
    await expect.poll(() => page.url()).toContain(`a=${ids.C}`);
    expect(page.url()).toContain(`b=${ids.A}`);
    await page.waitForSelector('[data-testid=tab-both].active');
    await expect.poll(() => page.locator('[data-testid=inspect-grid] .tile').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await screenshot(page, 'inspect-carried');
    // Filter on a class both runs wrongly predicted for one image: every tile then shows that class for A and for B.
    const before = await page.locator('[data-testid=inspect-grid] .tile').evaluateAll((tiles) => tiles.map((t) => Array.from(t.querySelectorAll('.line'), (l) => (l as HTMLElement).innerText)));
    const same = before.find((l) => l[1].replace(/^A → /, '') === l[2].replace(/^B → /, ''));
    expect(same, 'some image both runs mistook for the same class').toBeDefined();
    const aPred = same![1].replace(/^A → /, '');
    const option = await page.locator('[data-testid=inspect-predicted] option').evaluateAll((os, short) => os.find((o) => (o.textContent ?? '').replace('T-shirt/top', 'T-shirt') === short)?.getAttribute('value') ?? null, aPred);
    expect(option).not.toBeNull();
    await page.selectOption('[data-testid=inspect-predicted]', option!);
    await expect.poll(() => page.locator('[data-testid=inspect-selection]').innerText()).toContain(`A and B both predicted`);
    const lines = await page.locator('[data-testid=inspect-grid] .tile').evaluateAll((tiles) => tiles.map((t) => Array.from(t.querySelectorAll('.line'), (l) => (l as HTMLElement).innerText)));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      expect(l[1]).toBe(`A → ${aPred}`);
      expect(l[2]).toBe(`B → ${aPred}`);
    }
  });

  it('reads well in the dark theme too', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${origin}/#/compare?runs=${[ids.A, ids.B, ids.C, ids.D].join(',')}`);
    await page.waitForSelector('[data-testid=significance-C] [data-testid=significance-p]', { timeout: 60_000 });
    await page.waitForSelector('[data-testid=confusion-diff] canvas');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await screenshot(page, 'compare-significance-dark');
    await page.goto(`${origin}/#/inspect?a=${ids.C}&b=${ids.A}&tab=both`);
    await expect.poll(() => page.locator('[data-testid=inspect-grid] .tile').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await screenshot(page, 'inspect-carried-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('reported no console errors or CSP violations', () => {
    expect(errors).toEqual([]);
  });
});
