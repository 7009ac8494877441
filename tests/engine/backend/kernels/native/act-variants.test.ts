// Tests that the activations' builds (plain, AVX2 and AVX-512, native/src/activation.c) give the same bits: the CPU then
// changes only the speed of these kernels, never a number (native/test/act_variants.c).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireInCi } from '../../../../helpers/ciRequire.js';

const root = new URL('../../../../../native/', import.meta.url).pathname;
const cc = process.env.CC ?? 'cc';
function hasCompiler(): boolean {
  try {
    execFileSync(cc, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const x86 = process.arch === 'x64' || process.arch === 'ia32';
const present = requireInCi(hasCompiler(), 'a C compiler (cc) for native/test/act_variants.c');

describe.skipIf(!present || !x86)(`activation builds${!x86 ? ' (skipped: only x86 has the AVX2 build)' : present ? '' : ' (skipped: no C compiler)'}`, () => {
  it('plain, AVX2 and AVX-512 give bit-identical results for every function, forward and gradient', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tn-act-'));
    try {
      const common = ['-O3', '-std=gnu11', '-fno-math-errno', '-fno-trapping-math', `-I${root}src`];
      const src = join(root, 'src', 'activation.c');
      execFileSync(cc, [...common, '-c', src, '-o', join(dir, 'g.o')]);
      execFileSync(cc, [...common, '-DTN_ACT_AVX2', '-mavx2', '-ffp-contract=off', '-c', src, '-o', join(dir, 'a.o')]);
      execFileSync(cc, [...common, '-DTN_ACT_AVX512', '-mavx512f', '-mavx512dq', '-mavx512vl', '-mavx512bw', '-mprefer-vector-width=512', '-ffp-contract=off', '-c', src, '-o', join(dir, 'w.o')]);
      execFileSync(cc, ['-O2', `-I${root}src`, join(root, 'test', 'act_variants.c'), join(dir, 'g.o'), join(dir, 'a.o'), join(dir, 'w.o'), '-o', join(dir, 'cmp'), '-lm']);
      const r = spawnSync(join(dir, 'cmp'), { encoding: 'utf8', timeout: 60_000 });
      expect(r.stdout).toMatch(/avx2 fn 7 grad 1: 0 differing \(0 NaN payloads\)/);
      expect(r.stdout).toMatch(/avx2 fn 8 bias grad: 0 differing/);
      // The AVX-512 build is compared wherever the CPU has it (the machine the bench runs on does).
      const wide = (await import('node:fs')).readFileSync('/proc/cpuinfo', 'utf8').includes(' avx512bw');
      if (wide) expect(r.stdout).toMatch(/avx512 fn 8 bias grad: 0 differing/);
      expect(r.status, r.stdout + r.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
