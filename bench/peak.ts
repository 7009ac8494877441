// Bench: the machine's measured SGEMM peak (numpy + OpenBLAS, large square matrices), the yardstick for GFLOP/s per model.
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface PeakRun {
  python: string;
  numpy: string;
  n: number;
  gflops: number;
  runs: number[];
  blas: { via: string; library?: string; corename?: string; config?: string; version?: string; threads?: number | null; path?: string };
}
export interface Peak {
  /** Best over every interpreter that has numpy: the machine's peak, not one build's. */
  gflops: number;
  threads: number;
  runs: PeakRun[];
  /** Interpreters tried without a result, and why. */
  failed: Array<{ python: string; reason: string }>;
  /** OpenBLAS variables this process had, removed for the measurement only. */
  unset: Record<string, string>;
}

/** Set on this machine for other reasons, they make a current numpy's OpenBLAS pick a slow kernel or blocking. */
const SLOWING_ENV = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;

function resolve(cmd: string): string | null {
  const r = spawnSync(cmd, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) return null;
  try {
    return realpathSync(r.stdout.trim());
  } catch {
    return r.stdout.trim();
  }
}

/**
 * Measures each distinct Python on the list (PATH's python3 may carry a newer numpy/OpenBLAS than Debian's), one after
 * the other, with `threads` BLAS threads; n×n float32 matrices, best of `reps`.
 */
export function measurePeak(threads: number, opts: { n?: number; reps?: number; pythons?: string[] } = {}): Peak {
  const script = fileURLToPath(new URL('./sgemm_peak.py', import.meta.url));
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  const unset: Record<string, string> = {};
  for (const k of SLOWING_ENV) {
    if (env[k] != null) unset[k] = env[k]!;
    delete env[k];
  }
  const candidates = opts.pythons ?? [process.env.BENCH_PEAK_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  const seen = new Set<string>();
  const runs: PeakRun[] = [];
  const failed: Peak['failed'] = [];
  for (const python of candidates) {
    const real = resolve(python);
    if (!real) {
      failed.push({ python, reason: 'not found' });
      continue;
    }
    if (seen.has(real)) continue;
    seen.add(real);
    const r = spawnSync(python, [script, String(opts.n ?? 3072), String(opts.reps ?? 5)], { encoding: 'utf8', env, timeout: 180_000 });
    if (r.status !== 0) {
      failed.push({ python, reason: (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').at(-1) ?? '' });
      continue;
    }
    runs.push(JSON.parse(r.stdout.trim().split('\n').at(-1)!) as PeakRun);
  }
  return { gflops: Math.max(0, ...runs.map((x) => x.gflops)), threads, runs, failed, unset };
}

export function describePeak(p: Peak): string[] {
  const lines = p.runs.map((r) => `  ${r.python} numpy ${r.numpy}: ${r.gflops.toFixed(0)} GFLOP/s (${r.n}² SGEMM, best of ${r.runs.length}; `
    + `${r.blas.library ?? '?'} ${r.blas.version ?? ''} kernel ${r.blas.corename ?? '?'}, via ${r.blas.via})`.replace(/ {2,}/g, ' '));
  for (const f of p.failed) lines.push(`  ${f.python}: no measurement (${f.reason})`);
  const unset = Object.entries(p.unset).map(([k, v]) => `${k}=${v}`);
  lines.unshift(`SGEMM peak: ${p.gflops.toFixed(0)} GFLOP/s with ${p.threads} threads`
    + (unset.length ? ` (unset for this measurement only: ${unset.join(', ')})` : ''));
  return lines;
}
