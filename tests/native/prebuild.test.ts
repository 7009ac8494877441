// Tests (native build): the prebuilt binaries shipped for users without a C compiler are reproducible, match the
// sources, load with the engine's API version, and are what the engine runs when there is no local build.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadNativeAt, NATIVE_API_VERSION, NATIVE_KERNELS, prebuiltPath } from '../../electron/engine/backend/native/addon.js';
import { requireInCi } from '../helpers/ciRequire.js';

const root = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'prebuild-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const has = (cmd: string): boolean => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
const linuxX64 = process.platform === 'linux' && process.arch === 'x64';
const shipped = (tuple: string) => join(root, 'native', 'prebuilds', tuple, 'node.napi.glibc.node');
const sameBytes = (a: string, b: string) => readFileSync(a).equals(readFileSync(b));
const rebuild = 'run `npm run build:prebuilds` (and commit native/prebuilds) after changing native/src';

/** Builds a prebuild for `arch` into a fresh folder and returns the file. */
function build(arch: string, name: string): string {
  const out = join(tmp, name);
  execFileSync(process.execPath, [join(root, 'native', 'build.mjs'), '--prebuild', '--quiet', '--arch', arch, '--out', out], { stdio: 'pipe' });
  return join(out, 'node.napi.glibc.node');
}

const canBuild = requireInCi(linuxX64 && has('gcc'), 'linux-x64 with gcc, to rebuild the shipped prebuilds');
const canCross = requireInCi(linuxX64 && has('aarch64-linux-gnu-gcc'), 'aarch64-linux-gnu-gcc (Debian gcc-aarch64-linux-gnu) to rebuild the linux-arm64 prebuild');

describe.skipIf(!canBuild)('linux-x64 prebuild', () => {
  it('is reproducible (two builds in different folders, byte for byte) and equals the shipped file', () => {
    const a = build('x64', 'a');
    const b = build('x64', 'b');
    expect(sameBytes(a, b)).toBe(true);
    expect(sameBytes(a, shipped('linux-x64')), `native/prebuilds/linux-x64 is stale: ${rebuild}`).toBe(true);
    // Nothing of the build machine's checkout in it (assert's __FILE__ goes through -ffile-prefix-map).
    expect(readFileSync(a).includes(Buffer.from(root))).toBe(false);
  }, 120_000);

  it('is found by node-gyp-build matching and loads with the API version and every kernel', () => {
    expect(prebuiltPath()).toBe(shipped('linux-x64'));
    const r = loadNativeAt(shipped('linux-x64'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.addon.apiVersion).toBe(NATIVE_API_VERSION);
    for (const k of NATIVE_KERNELS) expect(typeof r.addon[k], k).toBe('function');
  });

  it('is what a checkout without a local build (no compiler) trains with: the backend says so and the native kernels run', () => {
    // A copy of the engine's sources beside native/prebuilds and no native/build: what `npm ci` leaves without a compiler.
    const tree = join(tmp, 'tree');
    for (const dir of ['electron', 'shared']) cpSync(join(root, dir), join(tree, dir), { recursive: true });
    cpSync(join(root, 'native', 'prebuilds'), join(tree, 'native', 'prebuilds'), { recursive: true });
    cpSync(join(root, 'package.json'), join(tree, 'package.json'));
    symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'), 'dir');
    mkdirSync(join(tree, 'scratch'));
    expect(existsSync(join(tree, 'native', 'build'))).toBe(false);
    const script = join(tree, 'scratch', 'probe.ts');
    writeFileSync(script, `
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../electron/engine/backend/select.js';
import { loadNative } from '../electron/engine/backend/native/addon.js';
const info = await selectBackend('wasm');
const n = loadNative();
const y = tf.conv2d(tf.ones([2, 8, 8, 3]) as tf.Tensor4D, tf.ones([3, 3, 3, 4]) as tf.Tensor4D, 1, 'same');
const sum = (await y.sum().data())[0];
console.log(JSON.stringify({ reason: info.reason, path: n.ok ? n.path : n.reason, conv2d: n.ok ? n.addon.counts().conv2d : -1, sum }));
`);
    const env = { ...process.env };
    delete env.WORKBENCH_NATIVE_ADDON;
    delete env.WORKBENCH_NATIVE;
    const r = spawnSync(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), script], { cwd: tree, encoding: 'utf8', env, timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { reason: string; path: string; conv2d: number; sum: number };
    expect(out.path).toBe(join(tree, 'native', 'prebuilds', 'linux-x64', 'node.napi.glibc.node'));
    expect(out.reason).toMatch(/native kernels \(\w+ GEMM, \d+ threads?, prebuilt binary\)/);
    expect(out.conv2d).toBeGreaterThan(0);
    // 2 images × 8×8 × 4 filters; a 'same' 3×3 window of ones over 3 channels sums 27 inside, less at the edges.
    expect(out.sum).toBe(2 * 4 * 3 * (6 * 6 * 9 + 4 * 6 * 6 + 4 * 4));
  }, 180_000);
});

describe.skipIf(!canCross)('linux-arm64 prebuild (cross-compiled)', () => {
  it('is reproducible, equals the shipped file, and is an AArch64 Node-API module with a NEON GEMM', () => {
    const a = build('arm64', 'arm-a');
    const b = build('arm64', 'arm-b');
    expect(sameBytes(a, b)).toBe(true);
    expect(sameBytes(a, shipped('linux-arm64')), `native/prebuilds/linux-arm64 is stale: ${rebuild}`).toBe(true);
    const elf = readFileSync(a);
    expect(elf.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(elf.readUInt16LE(18)).toBe(183); // e_machine EM_AARCH64
    expect(elf.includes(Buffer.from('napi_register_module_v1'))).toBe(true);
    // The portable GEMM's vector-extension micro-kernel compiles to NEON fused multiply-adds on 4-lane registers.
    const asm = execFileSync('aarch64-linux-gnu-objdump', ['-d', a], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const micro = asm.split(/\n(?=[0-9a-f]+ <)/).find((f) => /^[0-9a-f]+ <micro>:/.test(f)) ?? '';
    expect((micro.match(/\tfmla\tv\d+\.4s/g) ?? []).length).toBeGreaterThanOrEqual(24);
  }, 120_000);
});
