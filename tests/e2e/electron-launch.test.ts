// Launches the real Electron app through Playwright's _electron where a binary exists; reported as skipped (with why) where not.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { REQUEST_NAMES } from '../../shared/api.js';
import type { DesktopWorkbenchApi } from '../../shared/shell.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const ELECTRON_PKG = path.join(ROOT, 'node_modules', 'electron');

/** Where require('electron') would point, checked without triggering its download-on-first-use. */
function electronBinary(): string | null {
  let rel: string | null;
  try {
    rel = readFileSync(path.join(ELECTRON_PKG, 'path.txt'), 'utf8').trim();
  } catch {
    rel = null;
  }
  const base = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(ELECTRON_PKG, 'dist');
  const candidate = rel ? path.join(base, rel) : null;
  return candidate && existsSync(candidate) ? candidate : null;
}

/** The window's globals these checks call (the test compiles without the DOM library, so they are named here). */
interface PageGlobals {
  workbench: DesktopWorkbenchApi;
  open(url: string): object | null;
}

const binary = electronBinary();
const SKIP_REASON = 'SKIPPED: no Electron binary here (Electron downloads it on first run; this machine has no network)';

describe('Electron app', () => {
  it.skipIf(!binary)(
    `opens one hardened window on app:// whose window.workbench answers over IPC${binary ? '' : ` — ${SKIP_REASON}`}`,
    async () => {
      if (!existsSync(path.join(ROOT, 'dist', 'electron', 'main.js')) || !existsSync(path.join(ROOT, 'dist', 'renderer', 'index.html'))) {
        const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
        expect(build.status, 'npm run build').toBe(0);
      }
      const home = mkdtempSync(path.join(os.tmpdir(), 'fmw-electron-'));
      const app = await _electron.launch({
        executablePath: binary!,
        args: [ROOT, `--user-data-dir=${path.join(home, 'user-data')}`],
        env: { ...process.env, FMW_RUNS_DIR: path.join(home, 'runs'), XDG_DATA_HOME: home },
      });
      try {
        const page = await app.firstWindow();
        await page.waitForLoadState('domcontentloaded');
        expect(page.url()).toMatch(/^app:\/\/workbench\//);

        const shape = await page.evaluate(() => {
          const w = globalThis as unknown as Record<string, unknown>;
          return { keys: Object.keys(w.workbench as object), require: typeof w.require, process: typeof w.process };
        });
        expect(shape.keys).toEqual(expect.arrayContaining([...REQUEST_NAMES, 'onEvent']));
        expect(shape.require).toBe('undefined');
        expect(shape.process).toBe('undefined');

        const env = await page.evaluate(() => (globalThis as unknown as PageGlobals).workbench.getEnvironment({}));
        expect(env.mode).toBe('electron');
        const bad = await page.evaluate(() => (globalThis as unknown as PageGlobals).workbench.deleteRun({ runId: '../x' }).then(() => 'accepted', (e: Error) => e.message));
        expect(bad).toMatch(/deleteRun.*runId/);

        // window.open is denied (the handler answers "deny"), so no second window appears.
        expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).open('https://example.org') === null)).toBe(true);
        expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
        await page.screenshot({ path: path.join(ROOT, 'test-results', 'electron-window.png') });
      } finally {
        await app.close();
        rmSync(home, { recursive: true, force: true });
      }
    },
  );
});
