// Tests the kernels' C sources directly: native/test/stress.c (two threads, different shapes, every result bit-identical
// to the same call alone), built plain and under ThreadSanitizer, which also catches races that happen to give right bits.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { requireInCi } from '../../../../helpers/ciRequire.js';

const script = new URL('../../../../../native/test/stress.mjs', import.meta.url).pathname;

function avx512(): boolean {
  try {
    return !process.env.WORKBENCH_NATIVE_GEMM && /\bavx512f\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

function hasCompiler(): boolean {
  try {
    execFileSync(process.env.CC ?? 'cc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const present = requireInCi(hasCompiler(), 'a C compiler (cc) for native/test/stress.c');
if (!present) console.warn('native C stress skipped: no C compiler (cc)');

function stress(...args: string[]) {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe.skipIf(!present)(`native C stress harness${present ? '' : ' (skipped: no C compiler)'}`, () => {
  it('two threads at once: every result equals the same call alone', () => {
    const r = stress('1500');
    expect(r.out).toMatch(/column sums\s+6000 calls\s+0 wrong/);
    expect(r.out).toMatch(/filter gradients\s+\d{3,} calls\s+0 wrong/);
    // Dropout's integer segments and the activations (gelu forward + bias gradient): alone, beside the other thread's
    // calls and on 1 thread, the same bits.
    expect(r.out).toMatch(/dropout\s+\d{3,} calls\s+0 wrong/);
    expect(r.out).toMatch(/activation \+ bias grads\s+\d{3,} calls\s+0 wrong/);
    expect(r.out).not.toMatch(/1 and 2 threads differ/);
    // The multi-channel strided jobs take conv_implicit.c where the GEMM is the avx512 one (Linux: /proc/cpuinfo says).
    const m = /implicit convolutions: (\d+) forward, (\d+) filter-gradient, (\d+) input-gradient calls/.exec(r.out);
    expect(m, r.out).not.toBeNull();
    if (avx512()) expect([Number(m![1]) > 0, Number(m![2]) > 0, Number(m![3]) > 0], 'implicit paths ran').toEqual([true, true, true]);
    // Layer norm's row statistics 8 rows per register (AVX-512F/VL): beside the other thread and on 1 thread, the same bits.
    expect(r.out).toMatch(/layer-norm forwards\s+\d{3,} calls\s+0 wrong/);
    const ln = /layer norm 8 rows per register: (\d+) forward, (\d+) gradient calls/.exec(r.out);
    expect(ln, r.out).not.toBeNull();
    if (avx512() && /\bavx512vl\b/.test(readFileSync('/proc/cpuinfo', 'utf8'))) expect([Number(ln![1]) > 0, Number(ln![2]) > 0], '8-row paths ran').toEqual([true, true]);
    // The pointwise jobs (seeds 80-82) through conv.c's use_pw path.
    expect(r.out).toMatch(/1x1 convolutions\s+\d{3,} calls\s+0 wrong/);
    const pw = /pointwise convolutions: (\d+) forward, (\d+) filter-gradient, (\d+) input-gradient calls/.exec(r.out);
    expect(pw, r.out).not.toBeNull();
    expect([Number(pw![1]) > 0, Number(pw![2]) > 0, Number(pw![3]) > 0], 'pointwise paths ran').toEqual([true, true, true]);
    expect(r.status, r.out).toBe(0);
  }, 120_000);

  it('and ThreadSanitizer finds no data race in the pool or the kernels', () => {
    const r = stress('60', '--tsan');
    expect(r.out).not.toContain('ThreadSanitizer');
    expect(r.out).toContain('ok: every result bit-identical to alone');
    expect(r.status, r.out).toBe(0);
  }, 120_000);
});
