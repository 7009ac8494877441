// `npm run web` end to end with the real engine facade: prints the tokenised URL on its own line, serves, stops cleanly on SIGTERM.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSite, openSocket, rawGet } from './helpers.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'electron', 'server', 'cli.ts');
const children: ChildProcess[] = [];
const dirs: string[] = [];

function startCli(args: string[]): { child: ChildProcess; stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  const home = mkdtempSync(path.join(os.tmpdir(), 'fmw-cli-'));
  dirs.push(home);
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, XDG_DATA_HOME: home, FMW_RUNS_DIR: path.join(home, 'runs') },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

async function waitFor<T>(child: ChildProcess, fn: () => T | null | undefined, what: () => string, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const v = fn();
    if (v) return v;
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what()}`);
}

/** A fresh-clone stand-in: the tracked files of this working tree (no dist/, no native build) with node_modules linked in, as after `npm ci`. */
function cloneLike(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fmw-clone-'));
  dirs.push(dir);
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    if (!existsSync(path.join(ROOT, f))) continue; // deleted in the working tree, not yet committed
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    copyFileSync(path.join(ROOT, f), path.join(dir, f));
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Kills a process started with detached: true together with its children (npm → sh → tsx → node). */
function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) killGroup(c);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('npm run web', () => {
  it('prints the URL with its token on a line of its own, serves it, and exits 0 on SIGTERM', async () => {
    const site = makeSite();
    dirs.push(site.root);
    const cli = startCli(['--port', '0', '--static', site.staticDir, '--out', path.join(site.root, 'runs')]);
    const urlLine = /^Workbench: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]{64}))$/m;
    const line = await waitFor(cli.child, () => cli.stdout().match(urlLine), () => `the URL line (stderr: ${cli.stderr()})`);
    const port = Number(line[2]);
    expect((await rawGet(port, `/?token=${line[3]}`)).status).toBe(200);
    // The page is public; the engine is not: the socket opens with the printed token only.
    const origin = `http://127.0.0.1:${port}`;
    expect((await openSocket(`ws://127.0.0.1:${port}/ws`, {}, origin)).status).toBe(401);
    const { ws } = await openSocket(`ws://127.0.0.1:${port}/ws?token=${line[3]}`, {}, origin);
    expect(ws).toBeDefined();
    ws!.close();
    cli.child.kill('SIGTERM');
    expect(await cli.exit).toBe(0);
  });

  it('on a fresh clone (no dist/), `npm run web -- --port 0` builds the renderer once, then prints the URL and serves the app', async () => {
    const clone = cloneLike();
    expect(existsSync(path.join(clone, 'dist'))).toBe(false);
    const home = path.join(clone, '.home');
    const child = spawn('npm', ['run', 'web', '--', '--port', '0', '--out', path.join(home, 'runs')], {
      cwd: clone,
      env: { ...process.env, XDG_DATA_HOME: home, XDG_CACHE_HOME: path.join(home, 'cache'), FMW_RUNS_DIR: path.join(home, 'runs') },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    const urlLine = /^Workbench: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]{64}))$/m;
    const line = await waitFor(child, () => out.match(urlLine), () => `the URL line (stdout: ${out}\nstderr: ${err})`, 240_000);
    expect(err).toMatch(/Building the renderer \(dist\/renderer\/index\.html is missing\)/);
    const page = await rawGet(Number(line[2]), `/?token=${line[3]}`);
    expect(page.status).toBe(200);
    // The page served is the freshly built one: its entry script was written by this build.
    const script = /<script[^>]+src="\.?\/?(assets\/index-[\w-]+\.js)"/.exec(page.body);
    expect(script, page.body).not.toBeNull();
    expect(existsSync(path.join(clone, 'dist', 'renderer', script![1]))).toBe(true);
    killGroup(child);

    // Now current: a second start builds nothing; a later source edit makes it stale again.
    const check = () => spawnSync(process.execPath, [path.join(clone, 'scripts', 'ensure-renderer.mjs'), '--check'], { cwd: clone, encoding: 'utf8' });
    const fresh = check();
    expect([fresh.status, fresh.stderr.trim()]).toEqual([0, 'renderer: up to date']);
    const later = new Date(Date.now() + 5_000);
    utimesSync(path.join(clone, 'shared', 'api.ts'), later, later);
    const stale = check();
    expect(stale.status).toBe(3);
    expect(stale.stderr).toContain('shared/api.ts changed after the last build');
  }, 300_000); // a Vite build (~15 s alone, longer beside other test files on 2 cores) and a server start

  it('says how to build the renderer when it is missing, and exits non-zero', async () => {
    const cli = startCli(['--port', '0', '--static', path.join(os.tmpdir(), 'fmw-no-such-renderer')]);
    expect(await cli.exit).toBe(1);
    expect(cli.stderr()).toMatch(/not built.*npm run build/);
  });

  it('rejects a bad port with a clear message', async () => {
    const cli = startCli(['--port', 'abc']);
    expect(await cli.exit).not.toBe(0);
    expect(cli.stderr()).toMatch(/port/);
  });
});
