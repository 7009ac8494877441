// End to end in Chromium (issue 11): with a software Vulkan driver (SwiftShader) in the server's environment, the Train
// view offers webgpu, names its adapter and says it is a software one, and a run on it shows the adapter in its backend info.
/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { requireInCi } from '../helpers/ciRequire.js';
import { swiftShaderEnv, swiftShaderPresent } from '../helpers/swiftshader.js';
import { DATA_DIR, chromiumPath, collectErrors, dataPresent, launchBrowser, screenshot, startServer, type RunningServer } from './harness.js';

const hasChromium = requireInCi(!!chromiumPath(), 'chromium (apt-get install chromium)');
const hasData = requireInCi(dataPresent(), `Fashion-MNIST in ${DATA_DIR} (apt-get install dataset-fashion-mnist)`);
const hasSwiftShader = requireInCi(swiftShaderPresent(), 'chromium\'s SwiftShader Vulkan driver (/usr/lib/chromium/vk_swiftshader_icd.json)');
const ready = hasChromium && hasData && hasSwiftShader;

describe.skipIf(!ready)('the webgpu adapter in the app (SwiftShader)', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const saved = { ...process.env };

  beforeAll(async () => {
    // The server inherits this process's environment: the driver comes from there, as for a user who has one.
    Object.assign(process.env, swiftShaderEnv());
    server = await startServer();
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 }, colorScheme: 'light' });
    errors = collectErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    for (const k of ['VK_ICD_FILENAMES', 'XDG_RUNTIME_DIR', 'LD_LIBRARY_PATH']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it('auto skips the software adapter and says why; choosing webgpu names the adapter as a software one', async () => {
    await page.goto(server.url);
    await page.click('[data-testid=nav-train]');
    const info = page.locator('[data-testid=backend-info]').first();
    await info.waitFor();
    expect(await info.innerText()).toMatch(/webgpu skipped: software adapter only \(SwiftShader/);
    await page.selectOption('[data-testid=train-model]', { label: 'Seed ANN (MLP) (preset)' });
    await page.selectOption('[data-testid=train-backend]', 'webgpu');
    const note = page.locator('[data-testid=train-backend-adapter]');
    await note.waitFor();
    expect(await note.innerText()).toMatch(/on SwiftShader driver [\d.]+\s+software fallback adapter, runs on the CPU/);
    // No wasm-rate estimate for a software adapter, which is far slower: a note instead.
    expect(await page.locator('[data-testid=train-no-estimate]').innerText()).toMatch(/No time estimate on a software WebGPU adapter/);
    expect(await page.locator('[data-testid=cost-preview]').count()).toBe(0);
    await screenshot(page, 'webgpu-train-choice');
  });

  it('a run on webgpu shows the adapter in its backend info', async () => {
    await page.fill('[data-testid=train-limit]', '150');
    await page.fill('[data-testid=train-epochs]', '1');
    await page.click('[data-testid=train-start]');
    const panel = page.locator('[data-testid=live-run]');
    await panel.waitFor();
    const adapter = panel.locator('[data-testid=backend-adapter]');
    await adapter.waitFor({ timeout: 300_000 });
    expect(await adapter.innerText()).toMatch(/GPU adapter\s+SwiftShader driver [\d.]+\s+software fallback adapter, runs on the CPU/);
    expect(await panel.locator('[data-testid=backend-info]').innerText()).toMatch(/webgpu chosen explicitly/);
    await expect.poll(() => panel.getAttribute('data-status'), { timeout: 600_000, interval: 1000 }).toMatch(/finished|failed/);
    expect(await panel.getAttribute('data-status')).toBe('finished');
    await screenshot(page, 'webgpu-run');
    expect(errors).toEqual([]);
  });
});
