// E2E harness: starts the real browser-mode server on a free port and Debian's Chromium through playwright-core.
/// <reference lib="dom" />
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const DATA_DIR = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
export const SCREENSHOT_DIR = path.resolve('test-results/screenshots');

export function chromiumPath(): string | null {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const p = execFileSync('which', [name], { encoding: 'utf8' }).trim();
      if (p) return p;
    } catch {
      /* not on PATH */
    }
  }
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : null;
}

export function dataPresent(): boolean {
  return existsSync(path.join(DATA_DIR, 'train-images-idx3-ubyte.gz'));
}

export interface RunningServer {
  url: string;
  runsDir: string;
  stop(): Promise<void>;
}

/** `npx tsx electron/server/cli.ts --port 0 …`; resolves with the URL line it prints (token included). */
export async function startServer(): Promise<RunningServer> {
  if (process.env.E2E_URL) return { url: process.env.E2E_URL, runsDir: '', stop: async () => undefined };
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fmw-e2e-'));
  const runsDir = path.join(tmp, 'runs');
  mkdirSync(runsDir, { recursive: true });
  const child: ChildProcess = spawn('npx', ['tsx', 'electron/server/cli.ts', '--port', '0', '--out', runsDir, '--data-dir', DATA_DIR], {
    cwd: process.cwd(),
    env: { ...process.env, FASHION_MNIST_DIR: DATA_DIR, XDG_DATA_HOME: tmp, XDG_CONFIG_HOME: path.join(tmp, 'config'), XDG_CACHE_HOME: path.join(tmp, 'cache') },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: npx → tsx → node are stopped together.
    detached: true,
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server printed no URL within 90 s:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /(https?:\/\/127\.0\.0\.1:\d+\/\S*token=[0-9a-f]+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with code ${code} before printing its URL:\n${output}`));
    });
  });
  return {
    url,
    runsDir,
    async stop() {
      if (child.exitCode === null && child.pid) {
        const exited = new Promise((r) => child.once('exit', r));
        const group = (signal: NodeJS.Signals) => {
          try {
            process.kill(-child.pid!, signal);
          } catch {
            /* already gone */
          }
        };
        group('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        // A run stuck inside a batch can keep the server from exiting on SIGTERM.
        group('SIGKILL');
      }
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('no chromium binary found (install Debian\'s chromium package or set CHROMIUM_PATH)');
  return chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Screenshot of the whole scrolled view (the app scrolls inside <main>, so grow the viewport to its content first). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  const size = page.viewportSize() ?? { width: 1440, height: 900 };
  const height = await page.evaluate(() => Math.max(document.querySelector('main')?.scrollHeight ?? 0, window.innerHeight));
  await page.setViewportSize({ width: size.width, height: Math.min(Math.max(height, 900), 4000) });
  await page.waitForTimeout(400); // charts resize on the next frame
  await page.screenshot({ path: file });
  await page.setViewportSize(size);
  return file;
}

/** Console errors and CSP violations the page reported; the app should produce none. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} (${m.location().url || 'page'})`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  return errors;
}
