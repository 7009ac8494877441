// Enforces the design's dependency rule: renderer → shared ← engine ← (ipc, server, cli) ← main.
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

function sources(dir: string): string[] {
  const abs = path.join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs).flatMap((name) => {
    const p = path.join(abs, name);
    if (statSync(p).isDirectory()) return sources(path.join(dir, name));
    return /\.(ts|mts|mjs|vue)$/.test(name) && !name.endsWith('.d.ts') ? [path.join(dir, name)] : [];
  });
}

/** Every module specifier a file imports (static, dynamic, re-export), resolved to a repo path when relative. */
function imports(file: string): { spec: string; target: string | null }[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const specs = [...text.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm)]
    .map((m) => m[1] ?? m[2] ?? m[3]);
  return specs.map((spec) => ({
    spec,
    target: spec.startsWith('.') ? path.relative(root, path.resolve(path.dirname(path.join(root, file)), spec)) : null,
  }));
}

function violations(dirs: string[], forbidden: (imp: { spec: string; target: string | null }, file: string) => boolean): string[] {
  return dirs.flatMap(sources).flatMap((file) => imports(file).filter((i) => forbidden(i, file)).map((i) => `${file} imports ${i.spec}`));
}

const inside = (target: string | null, dir: string) => target !== null && (target === dir || target.startsWith(dir + path.sep));

describe('dependency rule', () => {
  it('shared/ imports nothing from the app and no Node built-ins', () => {
    expect(violations(['shared'], (i) => inside(i.target, 'electron') || inside(i.target, 'renderer') || i.spec.startsWith('node:') || i.spec === 'electron')).toEqual([]);
  });

  it('the renderer reaches the main side only through the shared contract', () => {
    expect(violations(['renderer'], (i) => inside(i.target, 'electron') || i.spec === 'electron' || i.spec.startsWith('node:') || i.spec.startsWith('@tensorflow/'))).toEqual([]);
  });

  it('the engine never imports electron, nor the layers above it', () => {
    expect(violations(['electron/engine'], (i) =>
      i.spec === 'electron' || i.spec.startsWith('electron/') ||
      ['electron/ipc', 'electron/server', 'electron/cli', 'electron/main.ts', 'electron/preload.ts', 'renderer'].some((d) => inside(i.target, d.replace(/\.ts$/, '.js')) || inside(i.target, d)),
    )).toEqual([]);
  });

  it('only main.ts and preload.ts import electron', () => {
    const offenders = violations(['electron', 'shared', 'renderer'], (i, file) => i.spec === 'electron' && !['electron/main.ts', 'electron/preload.ts'].includes(file));
    expect(offenders).toEqual([]);
  });

  it('nothing imports main; the CLI stays headless (no ipc or server)', () => {
    const main = (i: { target: string | null }) => inside(i.target, 'electron/main.js') || inside(i.target, 'electron/main.ts');
    expect(violations(['electron/ipc', 'electron/server', 'electron/cli', 'electron/engine'], main)).toEqual([]);
    expect(violations(['electron/cli'], (i) => inside(i.target, 'electron/ipc') || inside(i.target, 'electron/server'))).toEqual([]);
  });

  it('finds the imports it checks (the scanner itself works)', () => {
    expect(imports('electron/engine/workbench.ts').some((i) => i.target === path.join('shared', 'api.js'))).toBe(true);
  });
});
