// The esbuild bundles (scripts/build-main.mjs): a self-contained sandbox-safe preload, and a browser-mode server that runs from its bundle.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_CHANNEL, REQUEST_NAMES, channelOf, type RequestName } from '../../shared/api.js';
import type { DesktopWorkbenchApi } from '../../shared/shell.js';
import { makeSite, rawGet } from './server/helpers.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
// Two levels below the root like dist/electron, so the bundles find node_modules and the package root as in a real build.
const OUT = path.join(ROOT, 'dist', `.test-build-${process.pid}`);
let buildLog = '';

beforeAll(() => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-main.mjs'), '--outdir', OUT], { cwd: ROOT, encoding: 'utf8' });
  buildLog = `${r.stdout}\n${r.stderr}`;
  if (r.status !== 0) throw new Error(`build-main failed:\n${buildLog}`);
}, 180_000);

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe('build-main', () => {
  it('writes main, preload, worker and the web CLI side by side', () => {
    for (const f of ['main.js', 'preload.cjs', 'worker.js', 'web.js']) expect(existsSync(path.join(OUT, f)), f).toBe(true);
  });

  it('leaves electron and npm packages external to the main bundle', () => {
    const main = readFileSync(path.join(OUT, 'main.js'), 'utf8');
    expect(main).toMatch(/from ["']electron["']/);
    expect(main).toMatch(/from ["']zod["']/);
  });

  it('bundles a preload that needs nothing but electron and is small (no zod inside)', () => {
    const code = readFileSync(path.join(OUT, 'preload.cjs'), 'utf8');
    expect(code.length).toBeLessThan(20_000);
    const required: string[] = [];
    const exposed = new Map<string, unknown>();
    const invoked: unknown[][] = [];
    const listeners: [string, unknown][] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (k: string, v: unknown) => exposed.set(k, v) },
      ipcRenderer: {
        invoke: async (...args: unknown[]) => (invoked.push(args), { ok: true, result: null }),
        on: (c: string, fn: unknown) => listeners.push([c, fn]),
        removeListener: () => undefined,
      },
    };
    const module = { exports: {} };
    // The sandboxed preload's world: require() knows only a few modules; here only 'electron' is offered.
    vm.runInNewContext(code, {
      module, exports: module.exports,
      require: (id: string) => {
        required.push(id);
        if (id !== 'electron') throw new Error(`sandboxed preload cannot require ${id}`);
        return electron;
      },
    });
    expect(required).toEqual(['electron']);
    // Probed with payloads off the contract (the preload forwards without checking), so each method takes anything.
    const api = exposed.get('workbench') as Record<RequestName, (payload: unknown) => Promise<unknown>> & Pick<DesktopWorkbenchApi, 'onEvent'>;
    expect(Object.keys(api).sort()).toEqual([...REQUEST_NAMES, 'onEvent', 'shell'].sort());
    for (const name of REQUEST_NAMES) void api[name]({});
    expect(invoked.map((a) => a[0])).toEqual(REQUEST_NAMES.map(channelOf));
    api.onEvent(() => undefined);
    expect(listeners[0]![0]).toBe(EVENT_CHANNEL);
  });

  it('produces a web CLI that starts the real engine, prints its URL and stops on SIGTERM', async () => {
    const site = makeSite();
    const home = mkdtempSync(path.join(os.tmpdir(), 'fmw-build-'));
    const child = spawn(process.execPath, [path.join(OUT, 'web.js'), '--port', '0', '--static', site.staticDir, '--out', path.join(home, 'runs')], {
      cwd: ROOT, env: { ...process.env, XDG_DATA_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const until = Date.now() + 60_000;
      let m: RegExpMatchArray | null = null;
      while (!(m = out.match(/^Workbench: http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]{64})$/m)) && Date.now() < until && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(m, `no URL line; stderr: ${err}`).not.toBeNull();
      expect((await rawGet(Number(m![1]), `/?token=${m![2]}`)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(site.root, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    }
  });
});
