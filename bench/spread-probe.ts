// Bench tool: where the seed ANN's training-rate spread between repeats comes from. Runs the bench's training step
// (OursBench, fixed batches) in repeats and records, per repeat, wall and process CPU time, GC events (count and pause),
// page faults, context switches and heap growth, and per step the slowest steps (npx tsx bench/spread-probe.ts [model]
// [repeats] [batches] [threads]).
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { selectBackend } from '../electron/engine/backend/select.js';
import { OursBench } from './measure.js';
import { benchEntry } from './model-set.js';

const model = process.argv[2] ?? 'ann';
const repeats = Number(process.argv[3] ?? 12);
const batches = Number(process.argv[4] ?? 390);
await selectBackend('wasm', process.argv[5] ? { threads: Number(process.argv[5]) } : {});
benchEntry(model);
const bench = new OursBench(model, 128);
bench.warmUp(20);
if (process.env.PROBE_STREAM) console.log('--- warm-up done');

let gcs: Array<{ kind: number; ms: number }> = [];
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push({ kind: (e as unknown as { detail?: { kind: number } }).detail?.kind ?? -1, ms: e.duration });
});
obs.observe({ entryTypes: ['gc'] });

/** Per thread (Linux /proc/self/task/<tid>/schedstat): ns on the CPU, ns waiting in the run queue, timeslices. */
function sched(): Map<string, number[]> {
  const m = new Map<string, number[]>();
  try {
    for (const t of readdirSync('/proc/self/task')) {
      const name = readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim();
      const status = readFileSync(`/proc/self/task/${t}/status`, 'utf8');
      const csw = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
      m.set(`${t}:${name}`, [...readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').trim().split(/\s+/).map(Number),
        csw('voluntary_ctxt_switches'), csw('nonvoluntary_ctxt_switches')]);
    }
  } catch { /* not Linux */ }
  return m;
}
/** The machine's steal time (ticks, /proc/stat): CPU the hypervisor gave to other guests. */
function steal(): number {
  try {
    return Number(readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/)[8]);
  } catch {
    return 0;
  }
}
const rows: string[] = [];
/** The main thread's on-CPU ns (schedstat). */
const mainRun = () => sched().get([...sched().keys()].find((k) => k.startsWith(`${process.pid}:`))!)?.[0] ?? 0;
/** A fixed ALU-only loop (no memory traffic): its on-CPU time tracks the core's speed (clock, a busy SMT sibling). */
function calibrate(): number {
  const t0 = mainRun();
  let h = 1;
  for (let i = 0; i < 20_000_000; i++) h = Math.imul(h ^ i, 0x9e3779b1) >>> 0;
  if (h === 42) console.log('');
  return (mainRun() - t0) / 1e6;
}
for (let r = 0; r < repeats; r++) {
  const calib = calibrate();
  gcs = [];
  const sc0 = sched(), st0 = steal();
  const ru0 = process.resourceUsage();
  const heap0 = process.memoryUsage();
  const c0 = process.cpuUsage();
  const steps: number[] = [];
  const t0 = performance.now();
  for (let b = 0; b < batches; b++) {
    const s0 = performance.now();
    bench.train(1);
    steps.push(performance.now() - s0);
  }
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const ru = process.resourceUsage();
  const heap = process.memoryUsage();
  const sc = sched(), st = steal();
  // Threads that ran during the repeat: CPU ms per step, run-queue wait ms per step, timeslices per step.
  const threads = [...sc].map(([k, v]) => [k, v.map((x, i) => x - (sc0.get(k)?.[i] ?? 0))] as const)
    .filter(([, d]) => d[0] > 1e6)
    .map(([k, d]) => `${k.split(':')[1]}${k.startsWith(`${process.pid}:`) ? ` (main: off-CPU, not queued ${((wall * 1e6 - d[0] - d[1]) / 1e6 / batches).toFixed(3)})` : ''} run ${(d[0] / 1e6 / batches).toFixed(3)} wait ${(d[1] / 1e6 / batches).toFixed(3)} sl ${(d[2] / batches).toFixed(1)} sleeps ${(d[3] / batches).toFixed(2)} preempt/yield ${(d[4] / batches).toFixed(2)}`);
  await new Promise((res) => setImmediate(res)); // let the GC observer deliver
  steps.sort((a, b) => a - b);
  const q = (p: number) => steps[Math.min(steps.length - 1, Math.floor(p * steps.length))];
  const gcMs = gcs.reduce((a, g) => a + g.ms, 0);
  rows.push([
    `rep ${String(r).padStart(2)}`, `alu-loop ${calib.toFixed(1)}ms`,
    `${((batches * 128) / (wall / 1000) / 1000).toFixed(1)}k/s`,
    `wall ${(wall / batches).toFixed(3)}`,
    `cpu ${((c.user + c.system) / 1000 / batches).toFixed(3)} (user ${(c.user / 1000 / batches).toFixed(3)} sys ${(c.system / 1000 / batches).toFixed(3)})`,
    `step p10 ${q(0.1).toFixed(3)} p50 ${q(0.5).toFixed(3)} p90 ${q(0.9).toFixed(3)} max ${q(1).toFixed(2)}`,
    `gc ${gcs.length} (${gcs.filter((g) => g.kind === 1).length} minor) ${gcMs.toFixed(2)}ms`,
    `minflt ${ru.minorPageFault - ru0.minorPageFault} majflt ${ru.majorPageFault - ru0.majorPageFault}`,
    `vcsw ${ru.voluntaryContextSwitches - ru0.voluntaryContextSwitches} ivcsw ${ru.involuntaryContextSwitches - ru0.involuntaryContextSwitches}`,
    `steal ${st - st0}`, threads.join(' | '),
    `heapUsed +${((heap.heapUsed - heap0.heapUsed) / 1e6).toFixed(2)}MB rss +${((heap.rss - heap0.rss) / 1e6).toFixed(2)}MB ext +${((heap.external - heap0.external) / 1e6).toFixed(2)}MB`,
  ].join('  '));
  if (process.env.PROBE_STREAM) console.log(rows[rows.length - 1]);
}
obs.disconnect();
console.log(rows.join('\n'));
console.log(`load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
