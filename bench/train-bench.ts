// Bench: training and inference throughput of the engine's step per backend and seed model, beside PyTorch's.
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { availableBackends, selectBackend } from '../electron/engine/backend/select.js';
import { BACKEND_NAMES, type BackendName } from '../shared/run.js';
import { OursBench, type OursRun } from './measure.js';
import type { BenchModel } from './models.js';
import { findTorchPython, TorchBench, type TorchResult } from './torch.js';
import { loadNative } from '../electron/engine/backend/native/addon.js';

/** A backend, or wasm-plain: the wasm backend without our native kernels. */
type BenchBackend = BackendName | 'wasm-plain';

const HELP = `npm run bench -- [flags]
  --batches N        timed training batches per repeat (default 20; the cpu backend runs at most 5)
  --repeats N        alternate ours/PyTorch this many times and report the range (default 3)
  --warmup N         untimed batches first (default 3)
  --batch-size N     training batch (default 128); inference always runs batches of 1000
  --models LIST      ann,cnn (default both)
  --backends LIST    backends to measure (default: every available one, plus wasm-plain when
                     the native kernels load: wasm on its own kernels, for comparison, at most 5 batches)
  --threads N        threads for our backend (passed to selectBackend)
  --torch-threads N  torch.set_num_threads (default 2)
  --no-torch         skip PyTorch
  --cpu-cnn          also time the CNN on the plain cpu backend (about 3 samples/s: 2 batches)
  --json             one JSON document on stdout, progress on stderr`;

const { values: flags } = parseArgs({
  options: {
    batches: { type: 'string', default: '20' }, repeats: { type: 'string', default: '3' }, warmup: { type: 'string', default: '3' },
    'batch-size': { type: 'string', default: '128' }, models: { type: 'string', default: 'ann,cnn' }, backends: { type: 'string' },
    threads: { type: 'string' }, 'torch-threads': { type: 'string', default: '2' }, 'no-torch': { type: 'boolean', default: false },
    'cpu-cnn': { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
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
const batches = int('batches', flags.batches);
const repeats = int('repeats', flags.repeats);
const warmup = int('warmup', flags.warmup);
const batch = int('batch-size', flags['batch-size']);
const threads = flags.threads != null ? int('threads', flags.threads) : undefined;
const models = flags.models!.split(',').map((m) => m.trim()) as BenchModel[];
for (const m of models) if (m !== 'ann' && m !== 'cnn') throw new Error(`--models: unknown model "${m}" (ann, cnn)`);
const INFER_COUNT = 1000;

const log = (s: string) => (flags.json ? process.stderr : process.stdout).write(`${s}\n`);
tf.env().set('PROD', true);

interface Range { median: number; min: number; max: number; runs: number[] }
const range = (runs: number[]): Range => {
  const s = [...runs].sort((a, b) => a - b);
  return { median: s[Math.floor((s.length - 1) / 2)], min: s[0], max: s[s.length - 1], runs };
};
interface Row {
  backend: BenchBackend; model: BenchModel; batches: number; addedKernels: string[]; threads?: number;
  train: Range; infer: Range; peakRssMB: number; tensorsLeaked: number;
  torch?: { train: Range; infer: Range; peakRssMB: number }; ratio?: { train: Range; infer: Range };
}

async function main() {
  const available: BenchBackend[] = await availableBackends();
  if (available.includes('wasm') && loadNative().ok) available.splice(available.indexOf('wasm') + 1, 0, 'wasm-plain');
  const backends = (flags.backends ? flags.backends.split(',').map((b) => b.trim()) : available) as BenchBackend[];
  for (const b of backends) {
    if (!BACKEND_NAMES.includes(b as BackendName) && b !== 'wasm-plain') throw new Error(`--backends: unknown backend "${b}" (${BACKEND_NAMES.join(', ')}, wasm-plain)`);
  }

  let torch: TorchBench | null = null;
  let torchNote = 'skipped (--no-torch)';
  if (!flags['no-torch']) {
    const found = findTorchPython();
    if ('python' in found) {
      torch = await TorchBench.start(found.python, int('torch-threads', flags['torch-threads']));
      torchNote = `PyTorch ${torch.version} via ${found.python}, ${torch.threads} threads`;
    } else torchNote = found.reason;
  }
  log(`machine: ${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length}, Node ${process.version}, tfjs ${tf.version.tfjs}; torch: ${torchNote}`);
  log(`batch ${batch}, ${batches} timed batches × ${repeats} repeats after ${warmup} warm-up; inference on batches of ${INFER_COUNT}`);

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
    log(`${backend}: ${info.reason}`);
    for (const model of models) {
      if (backend === 'cpu' && model === 'cnn' && !flags['cpu-cnn']) {
        const reason = 'the plain cpu backend trains the CNN at about 3 samples/s (pass --cpu-cnn to time 2 batches)';
        skipped.push({ backend, model, reason });
        log(`  ${model}: skipped: ${reason}`);
        continue;
      }
      const slow = backend === 'cpu' || backend === 'wasm-plain';
      const n = backend === 'cpu' && model === 'cnn' ? 2 : slow ? Math.min(batches, 5) : batches;
      const ours = new OursBench(model, batch);
      ours.warmUp(slow ? 1 : warmup);
      const runs: OursRun[] = [];
      const torchRuns: TorchResult[] = [];
      for (let r = 0; r < repeats; r++) {
        runs.push(ours.run(n, INFER_COUNT, slow ? 1 : 3));
        if (torch) torchRuns.push(await torch.measure({ model, batch, batches: n, warmup: r === 0 ? warmup : 1, inferCount: INFER_COUNT, inferRepeats: 3 }));
        const last = runs[r];
        const t = torchRuns[r];
        log(`  ${model} repeat ${r + 1}: train ${last.train.toFixed(0)} samples/s, infer ${last.infer.toFixed(0)}${t ? `; torch train ${t.train.toFixed(0)}, infer ${t.infer.toFixed(0)}` : ''}`);
      }
      ours.dispose();
      const row: Row = {
        backend, model, batches: n, addedKernels: info.addedKernels, threads: info.threads,
        train: range(runs.map((x) => x.train)), infer: range(runs.map((x) => x.infer)),
        peakRssMB: Math.max(...runs.map((x) => x.peakRssMB)), tensorsLeaked: Math.max(...runs.map((x) => x.tensorsLeaked)),
      };
      if (torchRuns.length) {
        row.torch = { train: range(torchRuns.map((x) => x.train)), infer: range(torchRuns.map((x) => x.infer)), peakRssMB: Math.max(...torchRuns.map((x) => x.peakRssMB)) };
        row.ratio = { train: range(runs.map((x, i) => x.train / torchRuns[i].train)), infer: range(runs.map((x, i) => x.infer / torchRuns[i].infer)) };
      }
      rows.push(row);
    }
  }
  torch?.stop();

  if (flags.json) {
    console.log(JSON.stringify({ machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, tfjs: tf.version.tfjs }, torch: torchNote, batch, repeats, rows, skipped }, null, 2));
    return;
  }
  const f = (r: Range, d = 0) => `${r.median.toFixed(d)} (${r.min.toFixed(d)}–${r.max.toFixed(d)})`;
  log('\nsamples/s, median (min–max) over repeats; ratio = ours / torch per repeat');
  const header = ['backend', 'model', 'train', 'torch train', 'ratio', 'infer', 'torch infer', 'ratio', 'peak RSS MB (torch)'];
  const table = rows.map((r) => [
    r.backend, r.model, f(r.train), r.torch ? f(r.torch.train) : '—', r.ratio ? f(r.ratio.train, 2) : '—',
    f(r.infer), r.torch ? f(r.torch.infer) : '—', r.ratio ? f(r.ratio.infer, 2) : '—',
    `${r.peakRssMB.toFixed(0)}${r.torch ? ` (${r.torch.peakRssMB.toFixed(0)})` : ''}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  for (const row of [header, ...table]) log(row.map((c, i) => c.padEnd(widths[i])).join('  '));
  for (const r of rows) if (r.tensorsLeaked > 0) log(`warning: ${r.backend}/${r.model} leaked ${r.tensorsLeaked} tensors over a repeat`);
}

main().catch((e: unknown) => {
  console.error(`bench failed: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});
