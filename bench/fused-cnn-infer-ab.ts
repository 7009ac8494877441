// Bench tool: in-process A/B of the fused CNN inference (WORKBENCH_FUSED_CNN_INFER=0 = model.apply) on 1,000-sample
// predictBatch calls, wall and process CPU ms per call, sides alternating, best and median over rounds
// (npx tsx bench/fused-cnn-infer-ab.ts strided-elu,cnn 7 [threads] [chunks: comma-separated maximum chunk sizes] [torch]).
// With "torch", PyTorch's inference of the same model (bench/torch.ts, 15 repeats of 1,000) runs before each round.
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../electron/engine/backend/select.js';
import { buildModel } from '../electron/engine/models/build.js';
import { fusedCnnInferences, fusedCnnTrims, predictFusedCnn } from '../electron/engine/train/fusedCnnInfer.js';
import { predictBatch } from '../electron/engine/train/step.js';
import type { ModelSpec } from '../shared/spec.js';
import { benchEntry } from './model-set.js';
import { findTorchPython, TorchBench } from './torch.js';
import { validateModelSpec } from '../shared/model/inferShapes.js';

const models = (process.argv[2] ?? 'strided-elu').split(',');
const rounds = Number(process.argv[3] ?? 7);
await selectBackend('wasm', { native: true, threads: Number(process.argv[4] ?? 2) });
const chunks = (process.argv[5] ?? '').split(',').filter(Boolean).map(Number);
const N = 1000, CALLS = 5;
const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
const py = process.argv[6] === 'torch' ? findTorchPython() : null;
if (py && 'reason' in py) throw new Error(`no PyTorch: ${py.reason}`);
const torch = py ? await TorchBench.start(py.python, Number(process.argv[4] ?? 2)) : null;
const x = Float32Array.from({ length: N * 784 }, (_, j) => ((j * 7919) % 256) / 255);

for (const name of models) {
  const spec = benchEntry(name).spec as ModelSpec;
  const model = buildModel(spec, 1);
  // Sides: model.apply, the fused path at its default chunk, and any chunk sizes asked for.
  const sides: Array<[string, () => unknown]> = [
    ['model.apply', () => {
      process.env.WORKBENCH_FUSED_CNN_INFER = '0';
      try {
        return predictBatch(model, x, N, spec.inputShape);
      } finally {
        delete process.env.WORKBENCH_FUSED_CNN_INFER;
      }
    }],
    ['fused', () => predictBatch(model, x, N, spec.inputShape)],
    ...chunks.map((c): [string, () => unknown] => [`fused, chunk ${c}`, () => predictFusedCnn(model, x, N, spec.inputShape, c)]),
  ];
  const res = sides.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
  const torchMs: number[] = [];
  for (const [, f] of sides) f();
  const inf0 = fusedCnnInferences(), trim0 = fusedCnnTrims();
  for (let r = 0; r < rounds; r++) {
    if (torch) {
      const t = await torch.measure({ model: name, spec: validateModelSpec(spec), batch: 128, warmup: 1, batches: 1, seconds: 0, minBatches: 1,
        inferCount: N, inferRepeats: 15, inferSeconds: 0 });
      torchMs.push(1e6 / t.infer);
    }
    const order = sides.map((_, i) => i);
    if (r % 2) order.reverse();
    for (const i of order) {
      const c0 = process.cpuUsage(), t0 = performance.now();
      for (let k = 0; k < CALLS; k++) sides[i][1]();
      const cpu = process.cpuUsage(c0);
      res[i].wall.push((performance.now() - t0) / CALLS);
      res[i].cpu.push((cpu.user + cpu.system) / 1000 / CALLS);
    }
  }
  const infers = fusedCnnInferences() - inf0, trims = fusedCnnTrims() - trim0;
  console.log(`${name}: ${rounds} rounds × ${CALLS} calls of ${N} samples; fused inferences ${infers}, trimmed layer calls ${trims}; load ${(await import('node:os')).loadavg()[0].toFixed(1)}`);
  sides.forEach(([label], i) => {
    const r = res[i];
    console.log(`  ${label.padEnd(16)} wall best ${Math.min(...r.wall).toFixed(2)} median ${median(r.wall).toFixed(2)} ms | CPU best ${Math.min(...r.cpu).toFixed(2)} median ${median(r.cpu).toFixed(2)} ms`);
  });
  if (torch) console.log(`  PyTorch ${torch.version} (${torch.threads} threads) mean of 15: best ${Math.min(...torchMs).toFixed(2)} median ${median(torchMs).toFixed(2)} ms`);
  model.dispose();
  tf.disposeVariables();
}
process.exit(0);
