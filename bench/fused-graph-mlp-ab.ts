// Bench tool: in-process A/B of WORKBENCH_FUSED_GRAPH_MLP (0 = the taped step and model.apply) on the bench's training
// step and 1,000-sample inference, wall and process CPU ms, sides alternating (npx tsx bench/fused-graph-mlp-ab.ts mlp-res 7 [threads]
// [switch]; switch: the variable(s), comma-separated, set to 0 on the off side, e.g. WORKBENCH_NATIVE_NOISE_VEC).
import os from 'node:os';
import { selectBackend } from '../electron/engine/backend/select.js';
import { fusedGraphMlpSteps } from '../electron/engine/train/fusedGraphMlp.js';
import { fusedGraphMlpInferences } from '../electron/engine/train/fusedGraphMlpInfer.js';
import { predictBatch } from '../electron/engine/train/step.js';
import { OursBench } from './measure.js';
import { benchEntry } from './model-set.js';

const models = (process.argv[2] ?? 'mlp-res').split(',');
const rounds = Number(process.argv[3] ?? 5);
await selectBackend('wasm', process.argv[4] ? { threads: Number(process.argv[4]) } : {});
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
type Side = 'off' | 'on';
const SWITCH = process.argv[5] ?? 'WORKBENCH_FUSED_GRAPH_MLP';
const withSwitch = <T>(side: Side, f: () => T): T => {
  // Several variables, comma-separated, are all set to 0 on the off side.
  if (side === 'off') for (const v of SWITCH.split(',')) process.env[v] = '0';
  try {
    return f();
  } finally {
    for (const v of SWITCH.split(',')) delete process.env[v];
  }
};
for (const model of models) {
  benchEntry(model);
  // The step is chosen when the bench is made: one bench per side (same model, seed and batches).
  const benches = { off: withSwitch('off', () => new OursBench(model, 128)), on: new OursBench(model, 128) };
  const n = Math.max(3, Math.round(500 / benches.off.warmUp(2)));
  benches.on.warmUp(2);
  const res = { off: { wall: [] as number[], cpu: [] as number[], inferCpu: [] as number[], inferWall: [] as number[] }, on: { wall: [] as number[], cpu: [] as number[], inferCpu: [] as number[], inferWall: [] as number[] } };
  const x = Float32Array.from({ length: 1000 * 784 }, (_, j) => ((j * 7919) % 256) / 255);
  const steps0 = fusedGraphMlpSteps(), infers0 = fusedGraphMlpInferences();
  for (let r = 0; r < rounds; r++) {
    for (const side of r % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      withSwitch(side, () => {
        const b = benches[side];
        b.warmUp(1);
        let c0 = process.cpuUsage();
        const t0 = performance.now();
        b.train(n);
        let c = process.cpuUsage(c0);
        res[side].wall.push((performance.now() - t0) / n);
        res[side].cpu.push((c.user + c.system) / 1000 / n);
        const { model: m, inputShape } = b as unknown as { model: Parameters<typeof predictBatch>[0]; inputShape: number[] };
        predictBatch(m, x, 1000, inputShape);
        c0 = process.cpuUsage();
        const t1 = performance.now();
        for (let k = 0; k < 5; k++) predictBatch(m, x, 1000, inputShape);
        c = process.cpuUsage(c0);
        res[side].inferWall.push((performance.now() - t1) / 5);
        res[side].inferCpu.push((c.user + c.system) / 1000 / 5);
      });
    }
  }
  for (const side of ['off', 'on'] as const) {
    console.log(`${model} ${SWITCH} ${side}: train wall ${median(res[side].wall).toFixed(2)} ms/batch, CPU ${median(res[side].cpu).toFixed(2)} ms/batch; `
      + `inference wall ${median(res[side].inferWall).toFixed(2)}, CPU ${median(res[side].inferCpu).toFixed(2)} ms/1,000 samples (medians of ${rounds}; ${n} batches each)`);
  }
  console.log(`fused steps ${fusedGraphMlpSteps() - steps0}, fused inferences ${fusedGraphMlpInferences() - infers0}; load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
}
