#!/usr/bin/env node
// Build step for the Node side: esbuild bundles of the Electron main process, the sandboxed preload, the training worker and the CLIs into dist/electron/.
import { build } from 'esbuild';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// --outdir lets tests build somewhere harmless; the app itself always loads dist/electron.
const outArg = process.argv.indexOf('--outdir');
const out = outArg > 0 && process.argv[outArg + 1] ? path.resolve(process.argv[outArg + 1]) : path.join(root, 'dist', 'electron');

// Every ESM bundle sits in dist/electron/ side by side: the engine finds its worker as ./worker.js next to whoever loaded it.
const esmEntries = [
  { in: 'electron/main.ts', out: 'main' },
  { in: 'electron/engine/train/worker.ts', out: 'worker' },
  { in: 'electron/engine/insight/worker.ts', out: 'insight-worker' },
  { in: 'electron/engine/explain/worker.ts', out: 'explain-worker' },
  { in: 'electron/server/cli.ts', out: 'web' },
  { in: 'electron/cli/experiment.ts', out: 'experiment' },
  { in: 'electron/cli/report.ts', out: 'report' },
];

const present = esmEntries.filter((e) => existsSync(path.join(root, e.in)));
const missing = esmEntries.filter((e) => !present.includes(e));
for (const e of missing) console.warn(`build-main: ${e.in} does not exist yet; skipped`);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const common = {
  absWorkingDir: root,
  bundle: true,
  sourcemap: true,
  logLevel: 'warning',
  legalComments: 'none',
};

async function run(label, options) {
  try {
    await build(options);
  } catch {
    // esbuild has already printed each error with its file and line.
    console.error(`build-main: the ${label} bundle failed (errors above)`);
    process.exit(1);
  }
}

// The preload needs only the request names and channel names from shared/, not zod and every schema (~750 kB).
// Read them from the real contract once, and hand the preload a generated module holding just those values.
const contractProbe = path.join(out, '.contract-probe.mjs');
await run('contract probe', {
  ...common,
  sourcemap: false,
  stdin: { contents: "export * from './shared/api.ts'; export * from './shared/shell.ts';", resolveDir: root, loader: 'ts' },
  outfile: contractProbe,
  platform: 'node',
  format: 'esm',
});
const contract = await import(pathToFileURL(contractProbe).href);
rmSync(contractProbe, { force: true });
const preloadContract = [
  `export const REQUEST_NAMES = ${JSON.stringify(contract.REQUEST_NAMES)};`,
  `export const IPC_PREFIX = ${JSON.stringify(contract.IPC_PREFIX)};`,
  `export const EVENT_CHANNEL = ${JSON.stringify(contract.EVENT_CHANNEL)};`,
  `export function channelOf(name) { return IPC_PREFIX + name; }`,
  `export const SHELL_COMMAND_CHANNEL = ${JSON.stringify(contract.SHELL_COMMAND_CHANNEL)};`,
  `export const SHELL_CHOOSE_DATA_DIR_CHANNEL = ${JSON.stringify(contract.SHELL_CHOOSE_DATA_DIR_CHANNEL)};`,
].join('\n');
for (const name of contract.REQUEST_NAMES) {
  if (contract.channelOf(name) !== contract.IPC_PREFIX + name) throw new Error(`build-main: channelOf(${name}) no longer is prefix + name`);
}
const preloadContractPlugin = {
  name: 'preload-contract',
  setup(b) {
    b.onResolve({ filter: /\/shared\/(api|shell)\.js$/ }, () => ({ path: 'preload-contract', namespace: 'preload-contract' }));
    b.onLoad({ filter: /.*/, namespace: 'preload-contract' }, () => ({ contents: preloadContract, loader: 'js' }));
  },
};

// A sandboxed preload cannot require npm modules: bundle everything except electron, as CommonJS.
await run('preload', {
  ...common,
  entryPoints: [path.join(root, 'electron/preload.ts')],
  outfile: path.join(out, 'preload.cjs'),
  platform: 'browser',
  format: 'cjs',
  target: 'chrome130',
  external: ['electron'],
  plugins: [preloadContractPlugin],
});

// Main, worker, CLIs: npm packages stay external (installed in node_modules, native modules included); our TS is bundled.
await run('main/worker/CLI', {
  ...common,
  entryPoints: present.map((e) => ({ in: path.join(root, e.in), out: e.out })),
  outdir: out,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  external: ['electron'],
  // Some bundled modules use require() for optional native packages; ESM has none, so give them one.
  banner: { js: "import { createRequire as __fmwCreateRequire } from 'node:module'; const require = __fmwCreateRequire(import.meta.url);" },
  outExtension: { '.js': '.js' },
});

console.log(`build-main: wrote ${[...present.map((e) => `${e.out}.js`), 'preload.cjs'].join(', ')} to ${out}`);
