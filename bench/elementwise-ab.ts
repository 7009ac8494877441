// Bench tool: training step and inference with the element-wise paths of docs/GEMM.md "Element-wise kernels" on and
// off, alternated in blocks inside one process so that a shared machine's load hits both sides alike. "off" is the
// earlier code: dropout's serial double loop (WORKBENCH_NATIVE_DROPOUT=serial) and activations capped at the AVX2
// build (WORKBENCH_NATIVE_ACT=avx2); both give the same bits as "on". CPU time (both threads) is the steadier figure.
// npx tsx bench/elementwise-ab.ts [models, default k5-gap,strided-elu,mlp-bn,cnn-bn] [blocks per side, default 4]
import { cpus, loadavg } from 'node:os';
import { selectBackend } from '../electron/engine/backend/select.js';
import { OursBench } from './measure.js';
import { benchEntry } from './model-set.js';

await selectBackend('wasm', { native: true, threads: 2 });
const models = (process.argv[2] ?? 'k5-gap,strided-elu,mlp-bn,cnn-bn').split(',');
const blocks = Number(process.argv[3] ?? 4);
if (!(blocks >= 1)) throw new Error(`blocks must be a positive number, got ${process.argv[3]}`);
const OFF: Record<string, string> = { WORKBENCH_NATIVE_DROPOUT: 'serial', WORKBENCH_NATIVE_ACT: 'avx2' };
function side(on: boolean): void {
  for (const [k, v] of Object.entries(OFF)) {
    if (on) delete process.env[k];
    else process.env[k] = v;
  }
}
const med = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
console.log(`${cpus().length} CPUs; blocks per side ${blocks}`);
for (const name of models) {
  benchEntry(name);
  const bench = new OursBench(name, 128);
  const per = Math.max(3, Math.round(400 / bench.warmUp(2)));
  const res = { on: { cpu: [] as number[], wall: [] as number[], inf: [] as number[] }, off: { cpu: [] as number[], wall: [] as number[], inf: [] as number[] } };
  for (const m of ['on', 'off'] as const) { side(m === 'on'); bench.warmUp(1); bench.inferOnce(1000); }
  for (let b = 0; b < blocks; b++) {
    for (const m of b % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      side(m === 'on');
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      bench.train(per);
      const c = process.cpuUsage(c0);
      res[m].cpu.push((c.user + c.system) / 1000 / per);
      res[m].wall.push((performance.now() - t0) / per);
      res[m].inf.push(Math.min(bench.inferOnce(1000), bench.inferOnce(1000)));
    }
  }
  side(true);
  const pct = (on: number, off: number) => `${(100 * (1 - on / off)).toFixed(1)} % less`;
  console.log(`${name.padEnd(12)} train CPU ms/step on ${med(res.on.cpu).toFixed(1)} off ${med(res.off.cpu).toFixed(1)} (${pct(med(res.on.cpu), med(res.off.cpu))}), `
    + `wall on ${med(res.on.wall).toFixed(1)} off ${med(res.off.wall).toFixed(1)}; inference ms/1000 on ${med(res.on.inf).toFixed(1)} off ${med(res.off.inf).toFixed(1)} `
    + `(${pct(med(res.on.inf), med(res.off.inf))})  load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}
