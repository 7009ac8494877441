// Browser mode entry (`npm run web`): starts the engine and the token-protected server, prints the URL, serves until stopped.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { createServer } from './server.js';
import { isLoopbackHostname } from './auth.js';

// electron/server/cli.ts under tsx and dist/electron/web.js when bundled both sit two levels below the package root.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEFAULT_PORT = 8765;

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is an integer from 0 to 65535 (0 picks a free one)');
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

interface CliOptions { port: number; host: string; dataDir?: string; out?: string; allowHost: string[]; static?: string }

/** Runs scripts/ensure-renderer.mjs where it exists (not in a packaged app); its output goes to stderr, stdout keeps the URL line. */
function ensureRenderer(): boolean {
  const script = path.join(ROOT, 'scripts', 'ensure-renderer.mjs');
  if (!existsSync(script)) return true;
  const r = spawnSync(process.execPath, [script], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  return r.status === 0;
}

async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('npm run web --')
    .description('Serve the workbench to a browser, protected by a random token printed in the URL.')
    .option('-p, --port <n>', `port to listen on; 0 picks a free one (default ${DEFAULT_PORT})`, parsePort, DEFAULT_PORT)
    .option('--host <address>', 'address to bind; keep the loopback default unless you know why', '127.0.0.1')
    .option('--data-dir <dir>', 'folder holding the Fashion-MNIST .gz files (default: search the usual places)')
    .option('--out <dir>', 'folder for stored runs (default: the workbench runs folder, shared with the app and the CLI)')
    .option('--allow-host <name>', 'also accept this Host name (e.g. when reached by machine name); repeatable', collect, [])
    .option('--static <dir>', 'built renderer to serve (default: dist/renderer)')
    .showHelpAfterError();
  program.parse(argv);
  const o = program.opts<CliOptions>();

  // The default renderer is built on demand in a source checkout (fresh clone, or sources newer than the build);
  // an explicit --static folder is served as it is.
  if (!o.static && !ensureRenderer()) {
    process.exitCode = 1;
    return;
  }
  const staticDir = path.resolve(o.static ?? path.join(ROOT, 'dist', 'renderer'));
  if (!existsSync(path.join(staticDir, 'index.html'))) {
    console.error(`The renderer is not built (${path.join(staticDir, 'index.html')} is missing): run \`npm run build\` first.`);
    process.exitCode = 1;
    return;
  }

  // Loaded only now: the engine pulls in TensorFlow.js, which --help and a missing build need not wait for.
  const { createWorkbench, defaultRunsDir } = await import('../engine/workbench.js');
  const workbench = await createWorkbench({
    runsDir: path.resolve(o.out ?? defaultRunsDir()),
    dataDir: o.dataDir ? path.resolve(o.dataDir) : null,
    mode: 'browser',
  });
  let server;
  try {
    server = await createServer({
      workbench, staticDir, host: o.host, port: o.port, allowedHosts: o.allowHost,
      log: (line) => console.error(`[web] ${line}`),
    });
  } catch (err) {
    await workbench.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`Port ${o.port} is in use: pick another with --port N, or --port 0 for a free one.`, { cause: err });
    throw err;
  }
  if (!isLoopbackHostname(o.host)) {
    console.error(`[web] Warning: listening on ${o.host}, reachable from other machines; anyone with the token can use the workbench. `
      + 'Browsers must name the server by a loopback address (e.g. through `ssh -L`) or by a name given with --allow-host.');
  }
  console.log(`Workbench: ${server.url}`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1); // a second Ctrl+C means "now"
    stopping = true;
    console.error(`[web] ${signal}: stopping…`);
    void Promise.allSettled([server.close(), workbench.close()]).then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main(process.argv).catch((err: unknown) => {
  console.error(`npm run web: ${(err as Error).message ?? String(err)}`);
  process.exit(1);
});
