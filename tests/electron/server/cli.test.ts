// `npm run web` end to end with the real engine facade: prints the tokenised URL on its own line, serves, stops cleanly on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSite, rawGet } from './helpers.js';

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

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
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
    expect((await rawGet(port, '/')).status).toBe(401);
    cli.child.kill('SIGTERM');
    expect(await cli.exit).toBe(0);
  });

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
