// Bench: training and inference throughput of the engine's step over the bench model set, beside PyTorch's, with the SGEMM peak.
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { availableBackends, selectBackend } from '../electron/engine/backend/select.js';
import { BACKEND_NAMES, type BackendName } from '../shared/run.js';
import { adapterSummary } from '../shared/gpuAdapter.js';
import { modelFlops } from './flops.js';
import { OursBench, type OursRun } from './measure.js';
import { DeviceBench } from './measure-device.js';
import { isDeviceBackend } from '../electron/engine/train/gpuSteps.js';
import { BENCH_NAMES, benchEntry } from './model-set.js';
import { describePeak, measurePeak, type Peak } from './peak.js';
import { blasWarnings, printTable, range, type BenchBackend, type Row } from './report.js';
import { findTorchPython, TorchBench, type TorchResult } from './torch.js';
import { loadNative } from '../electron/engine/backend/native/addon.js';

const HELP = `npm run bench -- [flags]
  --models LIST      from the bench set (bench/model-set.ts): ${BENCH_NAMES.join(', ')} (default all)
  --full             the baseline run: 4 s per timed repeat, 3 repeats (default 1.2 s, 2 repeats; whole set ≈ 2 min)
  --seconds S        timed training seconds per repeat and side (inference: half that); sizes the batch count per model
  --batches N        fixed timed training batches per repeat instead of --seconds
  --repeats N        alternate ours/PyTorch this many times and report median (min–max)
  --warmup N         untimed batches first (default 2; also sizes the timed runs)
  --batch-size N     training batch (default 128); inference runs batches of 1000
  --backends LIST    our backends to measure (default: the best available one); wasm-plain = wasm without our native kernels
  --backend NAME     one backend, e.g. webgpu (on whatever adapter is present, a software one too; its name is printed)
  --threads N        threads for our backend (passed to selectBackend)
  --torch-threads N  torch.set_num_threads and the peak's BLAS threads (default 2)
  --torch-omp LIST   PyTorch's OpenMP wait policies to run, each its own process: default (as installed), passive
                     (OMP_WAIT_POLICY=PASSIVE); per repeat the faster counts (default: default,passive). Spinning threads
                     lose 5–8× when others use the cores, and passive ones also stop fighting OpenBLAS's own threads
  --no-torch         skip PyTorch
  --no-peak          skip the SGEMM peak measurement
  --json             one JSON document on stdout, progress on stderr`;

const { values: flags } = parseArgs({
  options: {
    models: { type: 'string' }, full: { type: 'boolean', default: false }, seconds: { type: 'string' }, batches: { type: 'string' },
    repeats: { type: 'string' }, warmup: { type: 'string', default: '2' }, 'batch-size': { type: 'string', default: '128' },
    backends: { type: 'string' }, backend: { type: 'string' }, threads: { type: 'string' }, 'torch-threads': { type: 'string', default: '2' },
    'no-torch': { type: 'boolean', default: false }, 'torch-omp': { type: 'string', default: 'default,passive' }, 'no-peak': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log(HELP);
  process.exit(0);
}
const int = (name: string, v: string | undefined) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${v}`);
  return n;
};
const seconds = flags.seconds != null ? Number(flags.seconds) : flags.full ? 4 : 1.2;
if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, got ${flags.seconds}`);
const fixedBatches = flags.batches != null ? int('batches', flags.batches) : undefined;
const repeats = flags.repeats != null ? int('repeats', flags.repeats) : flags.full ? 3 : 2;
const warmup = int('warmup', flags.warmup);
const batch = int('batch-size', flags['batch-size']);
const threads = flags.threads != null ? int('threads', flags.threads) : undefined;
const torchThreads = int('torch-threads', flags['torch-threads']);
const OMP_POLICIES: Record<string, Record<string, string>> = { default: {}, passive: { OMP_WAIT_POLICY: 'PASSIVE' } };
const torchPolicies = flags['torch-omp']!.split(',').map((p) => p.trim()).filter(Boolean);
for (const p of torchPolicies) if (!(p in OMP_POLICIES)) throw new Error(`--torch-omp: unknown policy "${p}" (default, passive)`);
if (!torchPolicies.length) throw new Error('--torch-omp: give at least one policy (default, passive)');
const models = flags.models ? flags.models.split(',').map((m) => m.trim()).filter(Boolean) : [...BENCH_NAMES];
for (const m of models) benchEntry(m);
const INFER_COUNT = 1000;
/** Fewest timed batches per repeat, however slow the model: one batch is too noisy to call a rate. */
const MIN_BATCHES = 3;

const log = (s: string) => (flags.json ? process.stderr : process.stdout).write(`${s}\n`);
tf.env().set('PROD', true);

/** Batches (or repeats) that take about `targetMs` at `perMs` each, within [min, max]. */
const sized = (targetMs: number, perMs: number, min: number, max: number) => Math.max(min, Math.min(max, Math.ceil(targetMs / Math.max(perMs, 1e-3))));
const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');

async function main() {
  const available: BenchBackend[] = await availableBackends();
  if (flags.backend && flags.backends) throw new Error('give --backend or --backends, not both');
  const list = flags.backends ?? flags.backend;
  const backends = (list ? list.split(',').map((b) => b.trim()) : available.slice(0, 1)) as BenchBackend[];
  for (const b of backends) {
    if (!BACKEND_NAMES.includes(b as BackendName) && b !== 'wasm-plain') throw new Error(`--backends: unknown backend "${b}" (${BACKEND_NAMES.join(', ')}, wasm-plain)`);
  }
  const started = performance.now();
  const loadBefore = load();
  log(`machine: ${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length}, Node ${process.version}, tfjs ${tf.version.tfjs}; load average ${loadBefore}`
    + (os.loadavg()[0] > os.cpus().length * 0.5 ? ' (others are using the CPUs: figures are noisy)' : ''));

  let peak: Peak | null = null;
  if (!flags['no-peak']) {
    peak = measurePeak(torchThreads);
    for (const line of describePeak(peak)) log(line);
  }

  const torches: Array<{ policy: string; bench: TorchBench }> = [];
  let torch: TorchBench | null = null;
  let torchNote = 'skipped (--no-torch)';
  if (!flags['no-torch']) {
    const found = findTorchPython();
    if ('python' in found) {
      for (const policy of torchPolicies) torches.push({ policy, bench: await TorchBench.start(found.python, torchThreads, OMP_POLICIES[policy]) });
      torch = torches[0].bench;
      const b = torch.blas;
      torchNote = `PyTorch ${torch.version} via ${found.python}, ${torch.threads} threads, OpenMP wait policies ${torchPolicies.join(' and ')} `
        + `(the faster per repeat), oneDNN ${torch.onednn ? 'on' : 'off'}; BLAS `
        + (b ? `${b.openblas ? `OpenBLAS (kernel ${b.corename ?? '?'})` : b.blis ? 'BLIS' : b.mkl ? 'MKL' : 'REFERENCE'} `
          + `[${b.libs.join(', ')}], torch.mm 1024² ${b.mmGflops.toFixed(0)} GFLOP/s` : '?');
      if (torch.threads !== torchThreads) log(`WARNING: torch runs ${torch.threads} threads, not the ${torchThreads} asked for`);
    } else torchNote = found.reason;
  }
  log(`torch: ${torchNote}`);
  for (const w of blasWarnings(torch)) log(w);
  log(`batch ${batch}; ${fixedBatches ? `${fixedBatches} timed batches` : `about ${seconds} s timed (≥ ${MIN_BATCHES} batches)`} per repeat and side, `
    + `${repeats} repeats after ${warmup} warm-up; inference on batches of ${INFER_COUNT}; training FLOPs = 6 × forward MACs`);

  const rows: Row[] = [];
  const skipped: Array<{ backend: string; model?: string; reason: string }> = [];
  for (const backend of backends) {
    let info;
    try {
      info = backend === 'wasm-plain'
        ? await selectBackend('wasm', { native: false })
        : await selectBackend(backend, { ...(threads != null ? { threads } : {}), ...(backend === 'wasm' ? { native: true } : {}) });
    } catch (e) {
      skipped.push({ backend, reason: (e as Error).message });
      log(`${backend}: skipped: ${(e as Error).message}`);
      continue;
    }
    log(`${backend}: ${info.reason}${backend === 'wasm' && !loadNative().ok ? ' (native kernels did not load)' : ''}`);
    if (info.adapter) log(`${backend}: adapter ${adapterSummary(info.adapter)}`);
    for (const model of models) {
      const { spec, about } = benchEntry(model);
      const flops = modelFlops(spec);
      log(`  ${model}: ${about}; ${(flops.trainFlops / 1e6).toFixed(1)} MFLOP/sample training`);
      // A software GPU adapter (SwiftShader) takes seconds per batch: as few batches as the CPU fallbacks.
      const slow = backend === 'cpu' || backend === 'wasm-plain' || info.adapter?.software === true;
      const ours = isDeviceBackend(info.name) ? new DeviceBench(model, batch) : new OursBench(model, batch);
      // Each side is timed with the PyTorch processes not being timed stopped, so none spins on a core meanwhile.
      const pauseTorch = (except?: TorchBench) => torches.forEach(({ bench }) => bench !== except && bench.pause());
      const resumeTorch = () => torches.forEach(({ bench }) => bench.resume());
      pauseTorch();
      const perBatchMs = await ours.warmUp(slow ? 1 : warmup);
      const n = fixedBatches ?? sized(seconds * 1000, perBatchMs, slow ? 1 : MIN_BATCHES, 100_000);
      const inferRepeats = sized((seconds * 1000) / 2, await ours.inferOnce(INFER_COUNT), 1, 50);
      resumeTorch();
      const runs: OursRun[] = [];
      const torchRuns: TorchResult[] = [];
      /** Per policy, its own runs: the first sizes the later ones. */
      const byPolicy = new Map<string, TorchResult[]>(torches.map((t) => [t.policy, []]));
      const winners: Array<{ train: string; infer: string }> = [];
      for (let r = 0; r < repeats; r++) {
        pauseTorch();
        runs.push(await ours.run(n, INFER_COUNT, inferRepeats));
        resumeTorch();
        for (const { policy, bench } of torches) {
          // PyTorch sizes its run from its first warm-up; later repeats reuse that count, as ours do, so one fast
          // warm-up batch on a busy machine cannot turn a repeat into minutes.
          const mine = byPolicy.get(policy)!;
          const first = mine[0];
          const batches = fixedBatches ?? first?.trainBatches;
          pauseTorch(bench);
          mine.push(await bench.measure({
            model, spec, batch, warmup: r === 0 ? warmup : 1, ...(batches ? { batches } : {}), seconds, minBatches: MIN_BATCHES,
            inferCount: INFER_COUNT, ...(first ? { inferRepeats: first.inferRepeats } : {}), inferSeconds: seconds / 2,
          }));
          resumeTorch();
        }
        if (torches.length) {
          const these = torches.map((t) => ({ policy: t.policy, result: byPolicy.get(t.policy)![r] }));
          const bestTrain = these.reduce((a, b) => (b.result.train > a.result.train ? b : a));
          const bestInfer = these.reduce((a, b) => (b.result.infer > a.result.infer ? b : a));
          torchRuns.push({ ...bestTrain.result, infer: bestInfer.result.infer, peakRssMB: Math.max(...these.map((x) => x.result.peakRssMB)) });
          winners.push({ train: bestTrain.policy, infer: bestInfer.policy });
        }
        const last = runs[r];
        const t = torchRuns[r];
        log(`    repeat ${r + 1}: train ${last.train.toFixed(0)} samples/s (${n} batches), infer ${last.infer.toFixed(0)}`
          + (t ? `; torch ${torches.map(({ policy }) => {
            const x = byPolicy.get(policy)![r];
            return `${policy}: train ${x.train.toFixed(0)} (${x.trainBatches} batches), infer ${x.infer.toFixed(0)}`;
          }).join('; ')}` : ''));
      }
      ours.dispose();
      const row: Row = {
        backend, model, batches: n, addedKernels: info.addedKernels, threads: info.threads, flops, ...(info.adapter ? { adapter: info.adapter } : {}),
        train: range(runs.map((x) => x.train)), infer: range(runs.map((x) => x.infer)),
        trainGflops: range(runs.map((x) => (x.train * flops.trainFlops) / 1e9)),
        inferGflops: range(runs.map((x) => (x.infer * flops.inferFlops) / 1e9)),
        peakRssMB: Math.max(...runs.map((x) => x.peakRssMB)), tensorsLeaked: Math.max(...runs.map((x) => x.tensorsLeaked)),
        load: os.loadavg()[0],
      };
      const peakGflops = peak?.gflops ?? 0;
      if (peakGflops > 0) row.peakPct = range(runs.map((x) => (100 * x.train * flops.trainFlops) / 1e9 / peakGflops));
      if (torchRuns.length) {
        row.torch = {
          train: range(torchRuns.map((x) => x.train)), infer: range(torchRuns.map((x) => x.infer)),
          trainGflops: range(torchRuns.map((x) => (x.train * flops.trainFlops) / 1e9)), peakRssMB: Math.max(...torchRuns.map((x) => x.peakRssMB)),
          winners, policies: Object.fromEntries([...byPolicy].map(([p, xs]) => [p, { train: range(xs.map((x) => x.train)), infer: range(xs.map((x) => x.infer)) }])),
        };
        row.ratio = { train: range(runs.map((x, i) => x.train / torchRuns[i].train)), infer: range(runs.map((x, i) => x.infer / torchRuns[i].infer)) };
      }
      rows.push(row);
    }
  }
  for (const t of torches) t.bench.stop();
  const wallSeconds = (performance.now() - started) / 1000;
  const loadAfter = load();

  printTable(rows, peak, log);
  log(`\n${wallSeconds.toFixed(0)} s wall; load average before ${loadBefore}, after ${loadAfter}`);
  for (const w of blasWarnings(torch)) log(w);
  if (flags.json) {
    console.log(JSON.stringify({
      machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, tfjs: tf.version.tfjs, loadBefore, loadAfter },
      peak, torch: torch ? { note: torchNote, version: torch.version, threads: torch.threads, blas: torch.blas, onednn: torch.onednn, policies: torchPolicies, env: torch.env } : torchNote,
      batch, repeats, seconds, fixedBatches, wallSeconds, rows, skipped,
    }, null, 2));
  }
}

main().catch((e: unknown) => {
  console.error(`bench failed: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});
