// Bench tool: in-process A/B of any off switch (VAR=0 against unset) on a bench model's training step, wall and process
// CPU ms per batch, sides alternating; medians and bests. npx tsx bench/switch-ab.ts residual-sep WORKBENCH_NATIVE_DILATED_CONV 7
import os from 'node:os';
import { selectBackend } from '../electron/engine/backend/select.js';
import { OursBench } from './measure.js';
import { benchEntry } from './model-set.js';

const model = process.argv[2] ?? 'residual-sep';
const names = (process.argv[3] ?? 'WORKBENCH_NATIVE_DILATED_CONV').split(',');
const rounds = Number(process.argv[4] ?? 7);
if (!names.every((v) => /^WORKBENCH_[A-Z0-9_]+$/.test(v))) throw new Error(`switches must be WORKBENCH_* names, got ${process.argv[3]}`);
await selectBackend('wasm', {});
benchEntry(model);
const bench = new OursBench(model, 128);
const n = Math.max(3, Math.round(500 / bench.warmUp(2)));
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const res = { off: { wall: [] as number[], cpu: [] as number[] }, on: { wall: [] as number[], cpu: [] as number[] } };
for (let r = 0; r < rounds; r++) {
  for (const mode of r % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
    for (const v of names) {
      if (mode === 'off') process.env[v] = '0';
      else delete process.env[v];
    }
    bench.warmUp(1);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    bench.train(n);
    const c = process.cpuUsage(c0);
    res[mode].wall.push((performance.now() - t0) / n);
    res[mode].cpu.push((c.user + c.system) / 1000 / n);
  }
}
for (const v of names) delete process.env[v];
for (const mode of ['off', 'on'] as const) {
  const { wall, cpu } = res[mode];
  console.log(`${model} ${names.join(',')} ${mode === 'off' ? '=0' : 'on'}: wall median ${median(wall).toFixed(2)} best ${Math.min(...wall).toFixed(2)} ms/batch, `
    + `CPU median ${median(cpu).toFixed(2)} best ${Math.min(...cpu).toFixed(2)} ms/batch (${rounds} rounds of ${n} batches)`);
}
console.log(`load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
