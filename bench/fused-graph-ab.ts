// Bench tool: in-process A/B of WORKBENCH_FUSED_GRAPH (0 = tfjs's op graphs, as before the graph-layer kernels) on the
// bench's training step, wall and process CPU ms per batch, sides alternating (npx tsx bench/fused-graph-ab.ts mlp-res,residual-sep 7).
import os from 'node:os';
import { selectBackend } from '../electron/engine/backend/select.js';
import { OursBench } from './measure.js';
import { benchEntry } from './model-set.js';

const models = (process.argv[2] ?? 'mlp-res,residual-sep').split(',');
const rounds = Number(process.argv[3] ?? 5);
await selectBackend('wasm', {});
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const model of models) {
  benchEntry(model);
  const bench = new OursBench(model, 128);
  // About half a second of steps per side and round, from the warm-up's pace.
  const n = Math.max(3, Math.round(500 / bench.warmUp(2)));
  const res = { off: { wall: [] as number[], cpu: [] as number[] }, on: { wall: [] as number[], cpu: [] as number[] } };
  for (let r = 0; r < rounds; r++) {
    for (const mode of r % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      process.env.WORKBENCH_FUSED_GRAPH = mode === 'off' ? '0' : '1';
      bench.warmUp(1);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      bench.train(n);
      const c = process.cpuUsage(c0);
      res[mode].wall.push((performance.now() - t0) / n);
      res[mode].cpu.push((c.user + c.system) / 1000 / n);
    }
  }
  delete process.env.WORKBENCH_FUSED_GRAPH;
  for (const mode of ['off', 'on'] as const) {
    console.log(`${model} fused graph ${mode}: wall ${median(res[mode].wall).toFixed(2)} ms/batch, CPU ${median(res[mode].cpu).toFixed(2)} ms/batch `
      + `(medians of ${rounds}; ${n} batches each)`);
  }
  console.log(`load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
}
