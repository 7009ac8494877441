// Bench tool: in-process A/B of soft targets (label smoothing 0.1) through the fused steps (objective.ts
// makeFastestObjectiveStep) against the objective step on the tape (makeObjectiveStep), wall and process CPU ms per batch
// of 128, sides alternating, one model trained by both (npx tsx bench/soft-ab.ts strong-cnn,seed-ann,seed-cnn 7).
// Names: presets (seed-ann, seed-cnn, strong-cnn) or bench models (bench/model-set.ts).
import os from 'node:os';
import { selectBackend } from '../electron/engine/backend/select.js';
import { buildModel } from '../electron/engine/models/build.js';
import { getPreset } from '../electron/engine/models/presets.js';
import { makeFastestObjectiveStep, makeObjectiveStep } from '../electron/engine/train/objective.js';
import { makeOptimizer } from '../electron/engine/train/optimizer.js';
import { fusedCnnTrainSteps } from '../electron/engine/train/fusedCnnTrain.js';
import { fusedGraphMlpSteps } from '../electron/engine/train/fusedGraphMlp.js';
import { fusedMlpSteps } from '../electron/engine/train/fusedMlp.js';
import { sizeOf } from '../electron/engine/train/step.js';
import type { ModelSpec } from '../shared/spec.js';
import { BENCH_NAMES, benchEntry } from './model-set.js';

const names = (process.argv[2] ?? 'strong-cnn').split(',');
const rounds = Number(process.argv[3] ?? 7);
const BATCH = 128;
await selectBackend('wasm', {});
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const o = { labelSmoothing: 0.1, clipNorm: null, clipValue: null };

for (const name of names) {
  const spec = (BENCH_NAMES.includes(name) ? benchEntry(name).spec : getPreset(name as never).model) as ModelSpec;
  const model = buildModel(spec, 1);
  const opt = makeOptimizer({ type: 'adamw', beta1: 0.9, beta2: 0.999, weightDecay: 1e-4 }, 1e-3);
  const steps = { taped: makeObjectiveStep(model, opt, spec.inputShape, o), fused: makeFastestObjectiveStep(model, opt, spec.inputShape, o) };
  let seed = 1;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const xs = [0, 1].map(() => Float32Array.from({ length: BATCH * sizeOf(spec.inputShape) }, rnd));
  const ys = [0, 1].map(() => Int32Array.from({ length: BATCH }, () => Math.floor(rnd() * 10)));
  let i = 0;
  const run = (side: 'taped' | 'fused', k: number) => {
    for (let b = 0; b < k; b++, i++) steps[side](xs[i % 2], ys[i % 2], BATCH);
  };
  run('fused', 2);
  run('taped', 2);
  const t0 = performance.now();
  run('fused', 2);
  const n = Math.max(3, Math.round(1000 / ((performance.now() - t0) / 2)));
  const fusedCount = () => fusedMlpSteps() + fusedCnnTrainSteps() + fusedGraphMlpSteps();
  const counted = fusedCount();
  const res = { taped: { wall: [] as number[], cpu: [] as number[] }, fused: { wall: [] as number[], cpu: [] as number[] } };
  for (let r = 0; r < rounds; r++) {
    for (const side of r % 2 ? (['fused', 'taped'] as const) : (['taped', 'fused'] as const)) {
      run(side, 1);
      const c0 = process.cpuUsage();
      const t = performance.now();
      run(side, n);
      const c = process.cpuUsage(c0);
      res[side].wall.push((performance.now() - t) / n);
      res[side].cpu.push((c.user + c.system) / 1000 / n);
    }
  }
  const line = (side: 'taped' | 'fused') => `wall median ${median(res[side].wall).toFixed(2)} best ${Math.min(...res[side].wall).toFixed(2)}, `
    + `CPU median ${median(res[side].cpu).toFixed(2)} ms/batch`;
  console.log(`${name}, label smoothing 0.1, AdamW: objective step (tape) ${line('taped')}; fused ${line('fused')} (${rounds} rounds of ${n} batches; `
    + `fused steps ${fusedCount() - counted} of ${(rounds * (n + 1))})`);
  model.dispose();
  opt.dispose();
}
console.log(`load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
