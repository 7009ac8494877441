#!/usr/bin/env node
// Build step on demand: (re)builds dist/renderer with Vite when it is missing or older than its sources, so `npm run web` works on a fresh clone.
// Usage: node scripts/ensure-renderer.mjs [--check]   (--check only reports: exit 0 up to date, 3 a build is needed)
// Output goes to stderr: `npm run web` keeps stdout for the URL line.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const INDEX = path.join(root, 'dist', 'renderer', 'index.html');
// Everything Vite reads for the renderer bundle: its own tree, the shared contract and charts, its config and the locked dependencies.
const SOURCES = ['renderer', 'shared', 'vite.config.ts', 'tsconfig.web.json', 'tsconfig.base.json', 'package-lock.json'];

/** Newest modification time under p (a file or a folder), with the path that has it. */
function newest(p) {
  if (!existsSync(p)) return { mtime: 0, file: null };
  const st = statSync(p);
  if (!st.isDirectory()) return { mtime: st.mtimeMs, file: p };
  let best = { mtime: 0, file: null };
  for (const entry of readdirSync(p, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const n = newest(path.join(p, entry.name));
    if (n.mtime > best.mtime) best = n;
  }
  return best;
}

/** Why the renderer must be (re)built, or null when dist/renderer is current. Null too where there are no sources (a packaged app). */
export function rendererBuildReason() {
  if (!existsSync(path.join(root, 'renderer', 'index.html'))) return null;
  if (!existsSync(INDEX)) return `${path.relative(root, INDEX)} is missing`;
  const built = statSync(INDEX).mtimeMs;
  let src = { mtime: 0, file: null };
  for (const s of SOURCES) {
    const n = newest(path.join(root, s));
    if (n.mtime > src.mtime) src = n;
  }
  return src.mtime > built ? `${path.relative(root, src.file)} changed after the last build` : null;
}

function main() {
  const reason = rendererBuildReason();
  if (process.argv.includes('--check')) {
    console.error(reason ? `renderer: build needed (${reason})` : 'renderer: up to date');
    process.exit(reason ? 3 : 0);
  }
  if (!reason) return;
  console.error(`Building the renderer (${reason}); this takes about 20 s once…`);
  const started = Date.now();
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) {
    console.error('The renderer cannot be built: Vite is not installed. Run `npm ci` first.');
    process.exit(1);
  }
  // stdout of the build goes to our stderr, so a caller's stdout stays clean.
  const r = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'error'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) {
    console.error(`The renderer build failed (vite exited with ${r.status ?? r.signal}; errors above). \`npm run build\` shows the same.`);
    process.exit(1);
  }
  // Stamp the build with its start time: a source saved while Vite was running still counts as newer than the build.
  const t = new Date(started);
  utimesSync(INDEX, t, t);
  console.error(`Renderer built in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
