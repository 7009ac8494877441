// Bench: the rows the bench collects and how it prints them (table, warnings about PyTorch's BLAS).
import os from 'node:os';
import type { BackendName, GpuAdapterInfo } from '../shared/run.js';
import type { ModelFlops } from './flops.js';
import type { Peak } from './peak.js';
import type { TorchBench } from './torch.js';

/** A backend, or wasm-plain: the wasm backend without our native kernels. */
export type BenchBackend = BackendName | 'wasm-plain';

export interface Range { median: number; min: number; max: number; runs: number[] }
export const range = (runs: number[]): Range => {
  const s = [...runs].sort((a, b) => a - b);
  return { median: s[Math.floor((s.length - 1) / 2)], min: s[0], max: s[s.length - 1], runs };
};

export interface Row {
  backend: BenchBackend; model: string; batches: number; addedKernels: string[]; threads?: number; flops: ModelFlops;
  /** webgpu: the adapter measured on. */
  adapter?: GpuAdapterInfo;
  train: Range; infer: Range; trainGflops: Range; inferGflops: Range;
  /** Training GFLOP/s as a share of the measured SGEMM peak. */
  peakPct?: Range;
  peakRssMB: number; tensorsLeaked: number;
  /** 1-minute load average when the row finished: above the core count, others were competing (PyTorch's OpenMP suffers most). */
  load: number;
  /** PyTorch's faster policy per repeat; `policies` keeps each OpenMP wait policy's own figures. */
  torch?: {
    train: Range; infer: Range; trainGflops: Range; peakRssMB: number;
    winners: Array<{ train: string; infer: string }>; policies: Record<string, { train: Range; infer: Range }>;
  };
  ratio?: { train: Range; infer: Range };
}

/** Loud, because a ratio against a crippled PyTorch flatters us (issue 10: reference BLAS makes Linear 5–7× slower). */
export function blasWarnings(torch: TorchBench | null): string[] {
  const out: string[] = [];
  const b = torch?.blas;
  if (b?.reference) {
    const bar = '!'.repeat(100);
    out.push(bar,
      `WARNING: PyTorch's BLAS is the REFERENCE BLAS (${b.libs.join(', ') || 'no optimised BLAS loaded'}): its Linear layers run`,
      `         5–7× slower than they should and every ratio below flatters us. Install libopenblas0-pthread (apt-get) and rerun.`,
      bar);
  }
  if (b && !b.reference && b.mmGflops < 20) out.push(`warning: torch.mm reached only ${b.mmGflops.toFixed(0)} GFLOP/s at 1024²: is the machine busy?`);
  const env = Object.entries(torch?.env ?? {}).filter(([k]) => k === 'OPENBLAS_CORETYPE' || k === 'OPENBLAS_L2_SIZE');
  if (env.length) out.push(`note: PyTorch's OpenBLAS runs with ${env.map(([k, v]) => `${k}=${v}`).join(', ')} from the environment (the peak measurement does not)`);
  return out;
}

const f0 = (r: Range) => r.median.toFixed(0);
const spread = (r: Range, d: number) => `${r.median.toFixed(d)} (${r.min.toFixed(d)}–${r.max.toFixed(d)})`;

export function printTable(rows: Row[], peak: Peak | null, log: (s: string) => void): void {
  log('\nsamples/s and GFLOP/s: medians over repeats; ratio = ours / torch per repeat, median (min–max); '
    + `% peak = our training GFLOP/s / the measured SGEMM peak${peak ? ` (${peak.gflops.toFixed(0)} GFLOP/s)` : ''}`);
  const multi = new Set(rows.map((r) => r.backend)).size > 1;
  const header = [...(multi ? ['backend'] : []), 'model', 'MFLOP/sample', 'train', 'torch', 'ratio', 'infer', 'torch', 'ratio',
    'GFLOP/s', 'torch GFLOP/s', '% peak', 'RSS MB (torch)', 'load', 'torch OMP'];
  const table = rows.map((r) => [
    ...(multi ? [r.backend] : []), r.model, (r.flops.trainFlops / 1e6).toFixed(1),
    f0(r.train), r.torch ? f0(r.torch.train) : '—', r.ratio ? spread(r.ratio.train, 2) : '—',
    f0(r.infer), r.torch ? f0(r.torch.infer) : '—', r.ratio ? spread(r.ratio.infer, 2) : '—',
    r.trainGflops.median.toFixed(1), r.torch ? r.torch.trainGflops.median.toFixed(1) : '—', r.peakPct ? r.peakPct.median.toFixed(1) : '—',
    `${r.peakRssMB.toFixed(0)}${r.torch ? ` (${r.torch.peakRssMB.toFixed(0)})` : ''}`, r.load.toFixed(1),
    r.torch ? [...new Set(r.torch.winners.map((w) => w.train))].join('/') : '—',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const numeric = (i: number) => i >= (multi ? 2 : 1) && i < header.length - 1;
  for (const row of [header, ...table]) log(row.map((c, i) => (numeric(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  '));
  for (const line of ceilings(rows, peak)) log(line);
  for (const line of goals(rows, peak)) log(line);
  const cores = os.cpus().length;
  if (rows.some((r) => r.load > cores)) {
    log(`note: a load average above ${cores} on ${cores} cores means other processes were running: PyTorch's OpenMP threads `
      + 'slow disproportionately when a core is taken (5–8× seen here), so ratios measured then flatter us; '
      + 'rerun on a quiet machine (the passive OpenMP policy keeps PyTorch nearer its quiet-machine speed)');
  }
  for (const r of rows) if (r.tensorsLeaked > 0) log(`warning: ${r.backend}/${r.model} leaked ${r.tensorsLeaked} tensors over a repeat`);
}

/** Issue 10's goals: training ≥ 1.5× PyTorch (2.5× for the seed CNN), inference ≥ 2×, the seed CNN at ≥ 40 % of the peak. */
const trainGoal = (model: string) => (model === 'cnn' ? 2.5 : 1.5);
const INFER_GOAL = 2;
const CNN_PEAK_GOAL = 40;

/**
 * This run against issue 10's goals, per backend: how many models met the training and inference ratios (medians over
 * repeats), which did not (with their per-repeat range, and the ceiling where the goal is above it), and the seed CNN's
 * share of the measured peak. Rows without a PyTorch side are not judged.
 */
export function goals(rows: Row[], peak: Peak | null): string[] {
  const out: string[] = [];
  for (const backend of [...new Set(rows.map((r) => r.backend))]) {
    const judged = rows.filter((r) => r.backend === backend && r.ratio && r.torch);
    if (!judged.length) continue;
    const tag = new Set(rows.map((r) => r.backend)).size > 1 ? ` (${backend})` : '';
    const ceiling = (r: Row, infer: boolean) => {
      if (!peak || !r.torch) return '';
      const torchGflops = infer ? (r.torch.infer.median * r.flops.inferFlops) / 1e9 : r.torch.trainGflops.median;
      return `, ceiling ${(peak.gflops / torchGflops).toFixed(2)}×`;
    };
    const verdict = (what: string, goal: (r: Row) => number, pick: (r: Row) => Range, infer: boolean) => {
      const missed = judged.filter((r) => pick(r).median < goal(r));
      const list = missed.map((r) => `${r.model} ${pick(r).median.toFixed(2)}× < ${goal(r)}× (repeats ${pick(r).min.toFixed(2)}–${pick(r).max.toFixed(2)}×${ceiling(r, infer)})`);
      return `goal${tag}: ${what}: met by ${judged.length - missed.length} of ${judged.length} models${list.length ? `; not by ${list.join(', ')}` : ''}`;
    };
    out.push(verdict('training ≥ 1.5× PyTorch (the seed CNN 2.5×)', (r) => trainGoal(r.model), (r) => r.ratio!.train, false));
    out.push(verdict(`inference ≥ ${INFER_GOAL}× PyTorch`, () => INFER_GOAL, (r) => r.ratio!.infer, true));
    const cnn = judged.find((r) => r.model === 'cnn');
    if (cnn?.peakPct) {
      const pct = cnn.peakPct.median;
      out.push(`goal${tag}: the seed CNN at ≥ ${CNN_PEAK_GOAL} % of the measured peak: ${pct.toFixed(0)} % (${pct >= CNN_PEAK_GOAL ? 'met' : 'not met'})`);
    }
  }
  return out;
}

/**
 * The largest ratio the machine allows: every FLOP of ours at the measured SGEMM peak, against PyTorch's measured
 * GFLOP/s. A goal above it cannot be met on this machine by any kernel; the lines say where that is the case.
 */
export function ceilings(rows: Row[], peak: Peak | null): string[] {
  if (!peak) return [];
  const out: string[] = [];
  for (const r of rows) {
    if (!r.torch) continue;
    const train = peak.gflops / r.torch.trainGflops.median;
    const infer = peak.gflops / ((r.torch.infer.median * r.flops.inferFlops) / 1e9);
    const over = [
      ...(train < trainGoal(r.model) ? [`training goal ${trainGoal(r.model)}× > ceiling`] : []),
      ...(infer < INFER_GOAL ? [`inference goal ${INFER_GOAL}× > ceiling`] : []),
    ];
    out.push(`ceiling ${r.model}: at most ${train.toFixed(2)}× PyTorch in training and ${infer.toFixed(2)}× in inference at the measured peak`
      + (over.length ? ` (${over.join('; ')})` : ''));
  }
  return out;
}
