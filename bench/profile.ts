// Bench tool: per-kernel time of the engine's training step (npx tsx bench/profile.ts --model cnn-bn; models from bench/model-set.ts).
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { selectBackend } from '../electron/engine/backend/select.js';
import type { BackendName } from '../shared/run.js';
import { OursBench } from './measure.js';
import { benchEntry } from './model-set.js';
import { activeNative } from '../electron/engine/backend/native/active.js';
import { NATIVE_KERNELS } from '../electron/engine/backend/native/addon.js';
import { fusedMlpSteps } from '../electron/engine/train/fusedMlp.js';
import { fusedGraphMlpSteps } from '../electron/engine/train/fusedGraphMlp.js';
import { fusedCnnTrainSteps } from '../electron/engine/train/fusedCnnTrain.js';
import { fusedGraphCnnSteps } from '../electron/engine/train/fusedGraphCnn.js';

const { values } = parseArgs({ options: {
  model: { type: 'string', default: 'cnn' }, backend: { type: 'string', default: 'wasm' }, batches: { type: 'string', default: '5' },
  threads: { type: 'string' }, infer: { type: 'boolean', default: false }, shapes: { type: 'boolean', default: false },
} });
/** --infer: profile batched inference (1,000 samples a batch, as the bench's inference figure) instead of training. */
const INFER_BATCH = 1000;
const info = await selectBackend(values.backend as BackendName, values.threads ? { threads: Number(values.threads) } : {});
console.log(info.reason);
/** Kernels this repo registers (native or its own wasm), as opposed to the backend's stock ones. */
const added = new Set(info.addedKernels);

/** Wraps every kernel of the backend with a timer; kernels are synchronous on cpu and wasm, so wall time is kernel time. */
const stats = new Map<string, { ms: number; calls: number }>();
for (const k of tf.getKernelsForBackend(tf.getBackend())) {
  const inner = k.kernelFunc;
  tf.unregisterKernel(k.kernelName, k.backendName);
  tf.registerKernel({ ...k, kernelFunc: (args) => {
    const t = performance.now();
    const out = inner(args);
    // --shapes: one row per kernel and input shapes, to tell a model's calls of one kernel apart.
    const key = values.shapes
      ? `${k.kernelName} ${Object.values(args.inputs).map((i) => `[${(i as tf.TensorInfo).shape.join('×')}]`).join(' ')}` : k.kernelName;
    const s = stats.get(key) ?? { ms: 0, calls: 0 };
    s.ms += performance.now() - t;
    s.calls++;
    stats.set(key, s);
    return out;
  } });
}
/** The addon's own calls, timed too: the fused MLP step (train/fusedMlp.ts) calls them without going through kernels. */
const addonStats = new Map<string, { ms: number; calls: number }>();
const addon = activeNative() as unknown as Record<string, (...a: unknown[]) => unknown> | null;
for (const name of addon ? NATIVE_KERNELS : []) {
  const inner = addon![name];
  if (typeof inner !== 'function') continue;
  addon![name] = (...a: unknown[]) => {
    const t = performance.now();
    const out = inner(...a);
    const s = addonStats.get(name) ?? { ms: 0, calls: 0 };
    s.ms += performance.now() - t;
    s.calls++;
    addonStats.set(name, s);
    return out;
  };
}
benchEntry(values.model!);
const bench = new OursBench(values.model!, 128);
bench.warmUp(2);
stats.clear();
addonStats.clear();
const fusedBefore = fusedMlpSteps();
const graphBefore = fusedGraphMlpSteps();
const cnnBefore = fusedCnnTrainSteps();
const graphCnnBefore = fusedGraphCnnSteps();
const n = Number(values.batches);
const t0 = performance.now();
// inferOnce times the prediction only (not the making of its input), so the total is the sum of its times.
const inferMs = values.infer ? Array.from({ length: n }, () => bench.inferOnce(INFER_BATCH)).reduce((a, b) => a + b, 0) : 0;
const samplesPerSecond = values.infer ? (n * INFER_BATCH) / (inferMs / 1000) : bench.train(n);
const total = values.infer ? inferMs : performance.now() - t0;
const kernelMs = [...stats.values()].reduce((a, s) => a + s.ms, 0);
const calls = [...stats.values()].reduce((a, s) => a + s.calls, 0);
console.log(`${values.model} ${values.infer ? `inference (batches of ${INFER_BATCH})` : 'training'} on ${values.backend}: ${samplesPerSecond.toFixed(0)} samples/s; per batch ${(total / n).toFixed(1)} ms, `
  + `in kernels ${(kernelMs / n).toFixed(1)} ms over ${(calls / n).toFixed(0)} kernel calls (the rest is tfjs bookkeeping in JS)`);
for (const [name, s] of [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, values.shapes ? 60 : 25)) {
  const where = added.has(name.split(' ')[0]) ? 'added' : values.backend;
  console.log(`${`${name} [${where}]`.padEnd(values.shapes ? 70 : 34)} ${(s.ms / n).toFixed(2).padStart(8)} ms/batch ${(100 * s.ms / total).toFixed(1).padStart(5)} %  `
    + `${(s.calls / n).toFixed(1).padStart(6)} calls/batch`);
}
const fused = fusedMlpSteps() - fusedBefore;
if (fused > 0) console.log(`fused MLP step: ${fused} of ${n} batches ran without tfjs's tape (their native calls are below, not in the kernel count above)`);
const graphSteps = fusedGraphMlpSteps() - graphBefore;
if (graphSteps > 0) console.log(`fused graph MLP step: ${graphSteps} of ${n} batches ran without tfjs's tape (their native calls are below, not in the kernel count above)`);
const cnnSteps = fusedCnnTrainSteps() - cnnBefore;
if (cnnSteps > 0) console.log(`fused CNN step: ${cnnSteps} of ${n} batches ran without tfjs's tape (their native calls are below, not in the kernel count above)`);
const graphCnnSteps = fusedGraphCnnSteps() - graphCnnBefore;
// This step runs the registered kernels' functions without the engine: they are in the kernel count above.
if (graphCnnSteps > 0) console.log(`fused graph CNN step: ${graphCnnSteps} of ${n} batches ran without tfjs's tape (its kernels, run without the engine, are counted above)`);
const addonMs = [...addonStats.values()].reduce((a, s) => a + s.ms, 0);
console.log(`native addon calls (from kernels and the fused step): ${(addonMs / n).toFixed(2)} ms/batch`);
for (const [name, s] of [...addonStats.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(`  ${name.padEnd(32)} ${(s.ms / n).toFixed(2).padStart(8)} ms/batch ${(100 * s.ms / total).toFixed(1).padStart(5)} %  ${(s.calls / n).toFixed(1).padStart(6)} calls/batch`);
}
