// Bench tool: what each group of added kernels buys, measured side by side (npx tsx bench/ablation.ts [--model cnn]).
// Each variant leaves some of our kernels out (as shipped); variants alternate, repeated, with PyTorch between.
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { registerAddedKernels } from '../electron/engine/backend/kernels/index.js';
import { loadNative } from '../electron/engine/backend/native/addon.js';
import { selectBackend } from '../electron/engine/backend/select.js';
import { OursBench } from './measure.js';
import type { BenchModel } from './models.js';
import { benchEntry } from './model-set.js';
import { findTorchPython, TorchBench } from './torch.js';

const { values } = parseArgs({ options: {
  model: { type: 'string', default: 'cnn' }, batches: { type: 'string', default: '8' }, repeats: { type: 'string', default: '3' },
} });
const model = values.model as BenchModel;
const batches = Number(values.batches);

const WASM_SPEED = ['wasm:Conv2DBackpropInput', 'wasm:BatchMatMul', 'wasm:Sum', 'Identity', 'Cast'];
const ELTWISE = ['native:Add', 'native:Multiply', 'native:Relu', 'native:Step'];
const BATCH_NORM = ['native:FusedBatchNorm', 'native:WorkbenchBatchNormTrain', 'native:WorkbenchBatchNormGrad'];
const variants: Array<{ name: string; native: boolean; skip: string[] }> = [
  { name: 'wasm + fill-ins only (Conv2DBackpropFilter, fixed MaxPoolGrad)', native: false, skip: WASM_SPEED },
  { name: '+ faster wasm kernels (BackpropInput as conv, matmul transposes, Sum, sharing Identity/Cast)', native: false, skip: [] },
  { name: 'native GEMM kernels (conv, matmul, pool) without sharing/Sum/element-wise', native: true, skip: [...WASM_SPEED, 'native:Sum', ...ELTWISE, ...BATCH_NORM] },
  { name: '+ sharing Identity/Cast', native: true, skip: ['wasm:Sum', 'native:Sum', ...ELTWISE, ...BATCH_NORM] },
  { name: '+ native Sum', native: true, skip: [...ELTWISE, ...BATCH_NORM] },
  { name: '+ native element-wise', native: true, skip: BATCH_NORM },
  { name: '+ fused batch norm (all)', native: true, skip: [] },
];

const addon = loadNative();
if (!addon.ok) throw new Error(addon.reason);
await selectBackend('wasm', { native: true });
const found = findTorchPython();
const torch = 'python' in found ? await TorchBench.start(found.python, 2) : null;
const results = variants.map(() => [] as number[]);
const torchRuns: number[] = [];
for (let r = 0; r < Number(values.repeats); r++) {
  for (const [i, v] of variants.entries()) {
    registerAddedKernels('wasm', v.native ? addon.addon : null, { skip: new Set(v.skip) });
    const b = new OursBench(model, 128);
    const slow = !v.native;
    b.warmUp(1);
    results[i].push(b.train(slow ? Math.min(3, batches) : batches));
    b.dispose();
  }
  if (torch) torchRuns.push((await torch.measure({
    model, spec: benchEntry(model).spec, batch: 128, batches, warmup: r === 0 ? 3 : 1, seconds: 0, minBatches: 1, inferCount: 100, inferRepeats: 1, inferSeconds: 0,
  })).train);
  console.error(`repeat ${r + 1} done; tensors ${tf.memory().numTensors}`);
}
torch?.stop();
const med = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor((xs.length - 1) / 2)];
const fmt = (xs: number[]) => `${med(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
console.log(`${model} training samples/s at batch 128, median (min–max) of ${values.repeats}:`);
for (const [i, v] of variants.entries()) console.log(`  ${fmt(results[i]).padEnd(22)} ${v.name}`);
if (torchRuns.length) console.log(`  ${fmt(torchRuns).padEnd(22)} PyTorch ${torch!.version}, 2 threads`);
