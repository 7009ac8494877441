// Bench tool: the training step's CPU and wall time per step with the fused conv op on and off (WORKBENCH_FUSED_CONV),
// alternated in blocks inside one process, so that a shared machine's load hits both sides alike. CPU time (both
// threads) for the same work is the steadier figure under load.
// npx tsx bench/fused-conv.ts [models, default cnn,strong,cnn-bn,k5-gap,strided-elu] [blocks per side, default 4]
//   [switches set to 1 / 0 for on / off, comma-separated, default WORKBENCH_FUSED_CONV]
import { selectBackend } from '../electron/engine/backend/select.js';
import { buildModel } from '../electron/engine/models/build.js';
import { makeOptimizer } from '../electron/engine/train/optimizer.js';
import { makeTrainStep } from '../electron/engine/train/step.js';
import { benchEntry } from './model-set.js';

await selectBackend('wasm', { native: true, threads: 2 });
const models = (process.argv[2] ?? 'cnn,strong,cnn-bn,k5-gap,strided-elu').split(',');
const blocks = Number(process.argv[3] ?? 4);
if (!(blocks >= 1)) throw new Error(`blocks must be a positive number, got ${process.argv[3]}`);
const switches = (process.argv[4] ?? 'WORKBENCH_FUSED_CONV').split(',');
const set = (on: boolean) => { for (const k of switches) process.env[k] = on ? '1' : '0'; };
const B = 128;
const x = new Float32Array(B * 784).map((_, i) => ((i * 2654435761) % 1000) / 1000);
const y = Int32Array.from({ length: B }, (_, i) => i % 10);
for (const name of models) {
  const spec = benchEntry(name).spec;
  const model = buildModel(spec, 1);
  const opt = makeOptimizer({ type: 'adam', beta1: 0.9, beta2: 0.999 }, 1e-3);
  const step = makeTrainStep(model, opt, spec.inputShape, 10);
  const per = name === 'strong' ? 3 : name === 'k5-gap' ? 6 : 10;
  const res: Record<string, { cpu: number[]; wall: number[] }> = { on: { cpu: [], wall: [] }, off: { cpu: [], wall: [] } };
  for (const m of ['on', 'off']) { set(m === 'on'); step(x, y, B); step(x, y, B); }
  for (let b = 0; b < blocks; b++) for (const m of b % 2 ? ['off', 'on'] : ['on', 'off']) {
    set(m === 'on');
    const c0 = process.cpuUsage(); const t0 = performance.now();
    for (let i = 0; i < per; i++) step(x, y, B);
    const c = process.cpuUsage(c0); const t = performance.now() - t0;
    res[m].cpu.push((c.user + c.system) / 1000 / per); res[m].wall.push(t / per);
  }
  const med = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
  console.log(`${name.padEnd(12)} CPU ms/step on ${med(res.on.cpu).toFixed(1)} off ${med(res.off.cpu).toFixed(1)} (${(100 * (1 - med(res.on.cpu) / med(res.off.cpu))).toFixed(1)} % less)  wall ms/step on ${med(res.on.wall).toFixed(1)} off ${med(res.off.wall).toFixed(1)}  load ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  model.dispose();
  opt.dispose();
}
