// Tests the GEMM variant dispatch: the best one the CPU has is chosen (avx512f on an AVX-512 machine), and every variant,
// forced through WORKBENCH_NATIVE_GEMM in its own process, agrees with tfjs's cpu backend; avx2 and avx512 give the same bits.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { addon, nativeMissing } from './setup.js';

const fixture = new URL('../../fixtures/native-gemm-variant.ts', import.meta.url).pathname;
/** The CPU's flags where the OS lists them (Linux); elsewhere the choice is only checked to be a known one. */
const flags = existsSync('/proc/cpuinfo') ? new Set((readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '').trim().split(/\s+/)) : null;
const x86 = process.arch === 'x64' || process.arch === 'ia32';
const has = (f: string) => x86 && flags?.has(f) === true;
const best = has('avx512f') && has('avx2') && has('fma') ? 'avx512f' : has('avx2') && has('fma') ? 'avx2+fma' : 'generic';

interface Run { isa: string; worst: Record<string, number>; ran: Record<string, number>; digest: string }
function runForced(variant: string): Run {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fixture], {
    encoding: 'utf8', timeout: 120_000, env: { ...process.env, WORKBENCH_NATIVE_GEMM: variant },
  });
  expect(r.status, r.stderr).toBe(0);
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  expect(line, r.stdout).toBeDefined();
  return JSON.parse(line!) as Run;
}
function expectAgrees(run: Run) {
  for (const [name, w] of Object.entries(run.worst)) expect(w, `${run.isa}: ${name} max |diff| vs cpu`).toBeLessThanOrEqual(1e-4);
  for (const [k, n] of Object.entries(run.ran)) expect(n, `${run.isa}: native ${k} calls`).toBeGreaterThan(0);
}

describe.skipIf(nativeMissing != null)(`GEMM variants${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.skipIf(flags == null || process.env.WORKBENCH_NATIVE_GEMM)(`this process runs the best variant the CPU has (${best})`, () => {
    expect(addon!.isa()).toBe(best);
  });

  it('the portable generic variant agrees with cpu', () => {
    const r = runForced('generic');
    expect(r.isa).toBe('generic');
    expectAgrees(r);
  }, 130_000);

  it.skipIf(!has('avx2') || !has('fma'))('avx2+fma agrees with cpu; avx512f (when the CPU has it) agrees and gives the same bits', () => {
    const avx2 = runForced('avx2');
    expect(avx2.isa).toBe('avx2+fma');
    expectAgrees(avx2);
    if (!has('avx512f')) return;
    const avx512 = runForced('avx512');
    expect(avx512.isa).toBe('avx512f');
    expectAgrees(avx512);
    // Same k order and FMA in both: the 8x32 zmm tile changes the speed, not one bit.
    expect(avx512.digest).toBe(avx2.digest);
  }, 250_000);

  it('openblas on request: agrees with cpu when libopenblas loads, else the best built-in variant runs', () => {
    const r = runForced('openblas');
    expect(['openblas', best]).toContain(r.isa);
    expectAgrees(r);
  }, 130_000);
});
