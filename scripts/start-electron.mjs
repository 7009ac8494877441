#!/usr/bin/env node
// `npm start`: builds what is missing or stale, then launches Electron; without an Electron binary it says so in one line.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const electronPkg = path.join(root, 'node_modules', 'electron');

/** What node_modules/electron/path.txt names (the executable inside dist/), or null when Electron has not been fetched. */
function electronPathTxt() {
  try {
    return readFileSync(path.join(electronPkg, 'path.txt'), 'utf8').trim();
  } catch {
    return null;
  }
}

/** The Electron executable, found the way electron/index.js finds it, but without that file's implicit download. */
function electronBinary() {
  const rel = electronPathTxt();
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const candidate = path.join(override, rel ?? (process.platform === 'win32' ? 'electron.exe' : 'electron'));
    return existsSync(candidate) ? candidate : null;
  }
  if (!rel) return null;
  const candidate = path.join(electronPkg, 'dist', rel);
  return existsSync(candidate) ? candidate : null;
}

/** Electron 45 fetches its binary on first use; try once, quietly (it needs the network). */
function obtainElectron() {
  if (!existsSync(path.join(electronPkg, 'install.js'))) return null;
  const r = spawnSync(process.execPath, [path.join(electronPkg, 'install.js')], { cwd: electronPkg, stdio: 'ignore', timeout: 300_000 });
  return r.status === 0 ? electronBinary() : null;
}

function newestMtime(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function needsBuild() {
  const outputs = ['dist/electron/main.js', 'dist/electron/preload.cjs', 'dist/renderer/index.html'].map((p) => path.join(root, p));
  if (outputs.some((p) => !existsSync(p))) return true;
  const built = Math.min(...outputs.map((p) => statSync(p).mtimeMs));
  const sources = Math.max(...['electron', 'shared', 'renderer'].map((d) => newestMtime(path.join(root, d))));
  return sources > built;
}

const binary = electronBinary() ?? obtainElectron();
if (!binary) {
  console.error('Electron could not be started: its binary is not installed and could not be downloaded (no network?); run `npm run web` to use the workbench in a browser instead.');
  process.exit(1);
}

if (needsBuild()) {
  console.log('Building the app (npm run build)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const b = spawnSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) {
    console.error('npm start: the build failed (see above); Electron was not launched.');
    process.exit(b.status ?? 1);
  }
}

const child = spawn(binary, [root, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
child.on('error', (err) => {
  console.error(`Electron could not be started (${err.message}); run \`npm run web\` to use the workbench in a browser instead.`);
  process.exit(1);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
