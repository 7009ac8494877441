// End to end in Chromium (issue 12, models): the residual-block insert, name/inputs fields, skip connections drawn
// beside the layer list, the new layer kinds' forms and per-layer messages; screenshots in light and dark.
/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { requireInCi } from '../helpers/ciRequire.js';
import { DATA_DIR, chromiumPath, collectErrors, dataPresent, launchBrowser, screenshot, startServer, type RunningServer } from './harness.js';

const hasChromium = requireInCi(!!chromiumPath(), 'chromium (apt-get install chromium)');
const hasData = requireInCi(dataPresent(), `Fashion-MNIST in ${DATA_DIR} (apt-get install dataset-fashion-mnist)`);
const ready = hasChromium && hasData;
const why = !hasChromium ? 'no chromium binary on PATH' : `Fashion-MNIST not found in ${DATA_DIR}`;

describe.skipIf(!ready)(`graph models in the Models view${ready ? '' : ` (skipped: ${why})`}`, () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, colorScheme: 'light' });
    errors = collectErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const params = async () => Number((await page.locator('[data-testid=total-params]').innerText()).replace(/,/g, ''));

  it('builds the issue\'s residual example in the editor: 3,562 params, the skip drawn as an arc', async () => {
    await page.goto(server.url);
    await page.click('[data-testid=nav-models]');
    await page.waitForSelector('[data-testid=new-blank]');
    await page.click('button:has-text("+ Blank (image)")');
    // Blank image model: [Dense(10, softmax)]. Build c1, c2, Add, SeparableConv2D, LayerNormalization, GlobalMaxPooling2D before it.
    const add = async (type: string) => {
      await page.selectOption('[data-testid=add-layer-type]', type);
      await page.click('[data-testid=add-layer]');
    };
    for (const t of ['Conv2D', 'Conv2D', 'Add', 'SeparableConv2D', 'LayerNormalization', 'GlobalMaxPooling2D']) await add(t);
    for (const i of [0, 1]) {
      await page.fill(`[data-testid=layer-${i}-filters]`, '16');
      await page.selectOption(`[data-testid=layer-${i}-padding]`, 'same');
      await page.fill(`[data-testid=layer-${i}-name]`, `c${i + 1}`);
    }
    // The Add has no inputs yet: its row says how to name them.
    await expect.poll(() => page.locator('[data-testid=layer-2-issue]').innerText()).toMatch(/layer 3 \(Add\) merges two or more layers: name them in "inputs"/);
    await page.fill('[data-testid=layer-2-inputs]', 'c1, c2');
    await page.selectOption('[data-testid=layer-3-padding]', 'valid');
    await expect.poll(params).toBe(3562);
    await expect.poll(() => page.locator('[data-testid=model-invalid]').count()).toBe(0);
    // One arc: c1 (layer index 0) into the Add (index 2); c2 → Add is the chain line.
    await expect.poll(() => page.locator('[data-testid=skip-arcs] path.arc').count()).toBe(1);
    expect(await page.locator('[data-testid=arc-0-2]').count()).toBe(1);
    await expect.poll(() => page.locator('[data-testid=keras-summary]').innerText()).toMatch(/Connected to/);
    await screenshot(page, 'graph-residual-example');
  });

  it('a residual block with a projection, and an Add of mismatched shapes names both inputs', async () => {
    await page.click('button:has-text("+ Blank (image)")');
    await page.fill('[data-testid=residual-filters]', '8');
    await page.click('[data-testid=add-residual]');
    // Input 28×28×1 ≠ 8 filters: Conv → Conv → 1×1 projection of the input → Add, then the output layer.
    await expect.poll(() => page.locator('[data-testid=skip-arcs] path.arc').count()).toBe(2);
    await expect.poll(() => page.locator('[data-testid=layer-3-inputs]').inputValue()).toBe('res1_b, res1_proj');
    // A second block on 8 channels needs no projection: its Add takes the first block's Add directly.
    await page.click('[data-testid=add-residual]');
    await expect.poll(() => page.locator('[data-testid=layer-6-inputs]').inputValue()).toBe('res2_b, res1_add');
    // The output Dense still gets a feature map: the model says so until a pooling layer is added.
    await page.selectOption('[data-testid=add-layer-type]', 'GlobalAveragePooling2D');
    await page.click('[data-testid=add-layer]');
    await expect.poll(() => page.locator('[data-testid=model-invalid]').count()).toBe(0);
    // 1·9·8+8 = 80, 8·9·8+8 = 584, proj 1·8+8 = 16; block 2: 584 + 584; Dense 8·10+10 = 90 → 1,938.
    expect(await params()).toBe(1938);
    await screenshot(page, 'graph-residual-blocks');

    await page.fill('[data-testid=layer-5-filters]', '4');
    await expect.poll(() => page.locator('[data-testid=layer-6-issue]').innerText()).toMatch(/layer 7 \(Add\): Add needs inputs of one shape; got "res2_b" \(layer 6\) 28×28×4, "res1_add" \(layer 4\) 28×28×8/);
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'graph-add-mismatch-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    expect(errors).toEqual([]);
  });

  it('drafts are saved in the app data folder; Keras JSON imports, and what does not map is named', async () => {
    // The server's app data folder: XDG_CONFIG_HOME in the harness, beside the runs folder.
    const models = path.join(path.dirname(server.runsDir), 'config', 'fashion-workbench', 'models');
    await expect.poll(() => { try { return readdirSync(models); } catch { return []; } }, { timeout: 10_000 }).toContain('my-model.json');
    const saved = JSON.parse(readFileSync(path.join(models, 'my-model.json'), 'utf8'));
    expect(saved.spec.layers[2]).toEqual({ type: 'Add', inputs: ['c1', 'c2'] });

    const dir = mkdtempSync(path.join(os.tmpdir(), 'fmw-keras-'));
    const layer = (cls: string, name: string, config: object, from: string[]) => ({ class_name: cls, name, config: { name, ...config }, inbound_nodes: [from.map((f) => [f, 0, 0, {}])] });
    const keras = (extra: object[]) => ({
      class_name: 'Functional', config: {
        name: 'keras residual', layers: [
          { class_name: 'InputLayer', name: 'input_1', config: { name: 'input_1', batch_input_shape: [null, 28, 28, 1] }, inbound_nodes: [] },
          layer('Conv2D', 'c1', { filters: 16, kernel_size: [3, 3], padding: 'same', activation: 'relu' }, ['input_1']),
          layer('Conv2D', 'c2', { filters: 16, kernel_size: [3, 3], padding: 'same', activation: 'relu' }, ['c1']),
          layer('Add', 'add', {}, ['c1', 'c2']),
          ...extra,
          layer('SeparableConv2D', 'sep', { filters: 32, kernel_size: [3, 3], padding: 'valid', activation: 'relu' }, ['add']),
          layer('LayerNormalization', 'ln', { axis: [3], epsilon: 0.001 }, ['sep']),
          layer('GlobalMaxPooling2D', 'gmp', { keepdims: false }, ['ln']),
          layer('Dense', 'out', { units: 10, activation: 'softmax' }, ['gmp']),
        ],
      },
    });
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify(keras([layer('Activation', 'act', { activation: 'relu' }, ['add'])])));
    await page.setInputFiles('[data-testid=import-model-file]', path.join(dir, 'bad.json'));
    await expect.poll(() => page.locator('[data-testid=import-error]').innerText())
      .toMatch(/bad\.json: this Keras model cannot be imported as it is:\s+- Keras layer 5 "act" \(Activation\): no layer kind here matches Activation/);
    await screenshot(page, 'graph-import-error');
    writeFileSync(path.join(dir, 'good.json'), JSON.stringify(keras([])));
    await page.setInputFiles('[data-testid=import-model-file]', path.join(dir, 'good.json'));
    await expect.poll(() => page.locator('[data-testid=model-name]').inputValue()).toBe('keras residual');
    await expect.poll(params).toBe(3562);
    expect(await page.locator('[data-testid=import-error]').count()).toBe(0);
    await expect.poll(() => readdirSync(models), { timeout: 10_000 }).toContain('keras-residual.json');
    expect(errors).toEqual([]);
  });
});
