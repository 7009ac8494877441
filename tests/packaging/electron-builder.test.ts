// Tests electron-builder.yml with electron-builder's own file matcher: each target packs only its own Dawn binary
// (node_modules/webgpu/dist/<platform-arch>) and unpacks it from the asar, with its DLLs on Windows.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, '../..');
const config = (require('js-yaml') as { load(text: string): unknown }).load(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as {
  files: string[]; asarUnpack: string[]; linux: { files?: string[] }; win: { files?: string[] }; mac: { files?: string[] };
};
// electron-builder's matcher for files under node_modules (app-builder-lib/out/fileMatcher.js), as its packager calls it.
const { getNodeModuleFileMatcher } = require('app-builder-lib/out/fileMatcher.js') as {
  getNodeModuleFileMatcher(appDir: string, dest: string, expand: (p: string) => string, platformOptions: object, packager: object): {
    createFilter(): (file: string, stat: { isDirectory(): boolean }) => boolean;
  };
};
const { Minimatch } = require('minimatch') as { Minimatch: new (p: string, o: object) => { match(p: string): boolean } };

const DIST = path.join(root, 'node_modules/webgpu/dist');
const folders = readdirSync(DIST);
const file = { isDirectory: () => false };

/** The Dawn folders electron-builder would pack for one target platform and arch. */
function packedFolders(platform: 'linux' | 'win' | 'mac', arch: string): string[] {
  const expand = (p: string) => p.replace(/\$\{arch\}/g, arch);
  const packager = { config, debugLogger: { isEnabled: false, add: () => undefined } };
  const filter = getNodeModuleFileMatcher(root, '/out', expand, config[platform], packager).createFilter();
  return folders.filter((f) => filter(path.join(DIST, f, 'dawn.node'), file));
}

describe('electron-builder.yml packs one Dawn binary per target', () => {
  it('the webgpu package has the binaries this test expects', () => {
    expect(folders).toEqual(expect.arrayContaining(['linux-x64', 'linux-arm64', 'win32-x64', 'win32-arm64', 'darwin-universal']));
  });

  it.each([
    ['linux', 'x64', 'linux-x64'], ['linux', 'arm64', 'linux-arm64'],
    ['win', 'x64', 'win32-x64'], ['win', 'arm64', 'win32-arm64'],
    ['mac', 'x64', 'darwin-universal'], ['mac', 'arm64', 'darwin-universal'], ['mac', 'universal', 'darwin-universal'],
  ] as const)('%s %s keeps only %s', (platform, arch, want) => {
    expect(packedFolders(platform, arch)).toEqual([want]);
  });

  it('keeps the rest of node_modules (the filter is not excluding everything)', () => {
    const expand = (p: string) => p.replace(/\$\{arch\}/g, 'x64');
    const filter = getNodeModuleFileMatcher(root, '/out', expand, config.linux, { config, debugLogger: { isEnabled: false } }).createFilter();
    expect(filter(path.join(root, 'node_modules/webgpu/index.js'), file)).toBe(true);
    expect(filter(path.join(root, 'node_modules/@tensorflow/tfjs-backend-webgpu/package.json'), file)).toBe(true);
    expect(filter(path.join(root, 'node_modules/webgpu/build/postinstall.js'), file)).toBe(false);
  });

  it('unpacks the binary and its Windows DLLs from the asar', () => {
    const unpacked = (p: string) => config.asarUnpack.some((g) => new Minimatch(g, { dot: true }).match(p));
    for (const p of ['node_modules/webgpu/dist/linux-x64/dawn.node', 'node_modules/webgpu/dist/win32-x64/dxcompiler.dll', 'node_modules/webgpu/dist/win32-x64/d3dcompiler_47.dll']) {
      expect(unpacked(p), p).toBe(true);
    }
    expect(unpacked('node_modules/webgpu/index.js')).toBe(false);
  });

  it('ships the target\'s prebuilt native kernels (docs/PREBUILDS.md), unpacked from the asar', () => {
    const platformOf = { linux: 'linux', win: 'win32', mac: 'darwin' } as const;
    for (const [key, node] of Object.entries(platformOf) as Array<[keyof typeof platformOf, string]>) {
      expect(config[key].files, key).toContain(`native/prebuilds/${node}-\${arch}/**`);
    }
    const unpacked = (p: string) => config.asarUnpack.some((g) => new Minimatch(g, { dot: true }).match(p));
    for (const tuple of ['linux-x64', 'linux-arm64']) {
      const rel = `native/prebuilds/${tuple}/node.napi.glibc.node`;
      expect(existsSync(path.join(root, rel)), rel).toBe(true);
      expect(unpacked(rel), rel).toBe(true);
    }
  });
});
