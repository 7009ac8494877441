// The training step of a Sequential CNN without tfjs's tape (engine layer): Conv2D relu, MaxPooling2D,
// BatchNormalization, Dropout, Flatten, Dense relu/linear, Dense softmax (fusedCnnTrainPlan.ts). The same native addon
// calls the taped step's kernels make, straight on the wasm heap, then the optimizer's own update. makeFastestStep
// (fusedGraphMlp.ts) tries it first; anything else, and whenever it cannot run at a call, is the taped step.
import * as tf from '@tensorflow/tfjs';
import { activeNative } from '../backend/native/active.js';
import type { NativeAddon } from '../backend/native/addon.js';
import { BATCH_NORM_GRAD, BATCH_NORM_TRAIN } from '../backend/kernels/native/BatchNorm.js';
import { convGeometry } from '../backend/kernels/native/conv-geometry.js';
import { BIAS_ACT_GRAD_KERNEL, CONV_LAYER_KERNEL, LAYER_ACTIVATION_KERNEL, RELU_MASK } from '../backend/kernels/native/ConvLayer.js';
import { MAX_POOL_RELU_GRAD_KERNEL, RELU_MAX_POOL_KERNEL } from '../backend/kernels/native/ConvPool.js';
import { DROPOUT_KERNEL } from '../backend/kernels/native/Dropout.js';
import { heapOf, offsetOf, type WasmBackendInternals } from '../backend/kernels/native/heap.js';
import { matMulGeometry } from '../backend/kernels/native/matmul-geometry.js';
import { poolGeometry } from '../backend/kernels/native/pool-geometry.js';
import { fusedConvEnabled } from '../models/convLayer.js';
import { fusedPoolEnabled } from '../models/poolLayer.js';
import { cnnTrainStages, stageShape, stageVariables, type CnnTrainStage, type ConvStage } from './fusedCnnTrainPlan.js';
import { applyInRegistrationOrder, softmaxGradient } from './fusedMlp.js';
import { ACT } from './fusedMlpPlan.js';
import { finishUpdate, planNativeUpdate } from './fusedMlpUpdate.js';
import { batchNormBackward, batchNormForward, dropoutForward } from './fusedStepLayers.js';
import { crossEntropyRows } from './loss.js';
import type { StepResult } from './step.js';

export { cnnTrainStages, type CnnTrainStage } from './fusedCnnTrainPlan.js';

/*
 * Why the bits are the taped step's (tests/engine/train/fusedCnnTrain.test.ts checks weights and losses step by step):
 * - Conv2D relu (models/convLayer.ts, training): the WorkbenchConvLayer kernel's addon.conv2d, bias and relu (epilogue 2,
 *   tfjs's Relu) in it, with convLayerGeometry's arguments. Its gradient: under a fused max pool, dz and db from the
 *   pool's WorkbenchMaxPoolReluGrad (addon.maxPoolReluGrad); otherwise WorkbenchBiasActGrad (relu's mask, db) on its
 *   output; then Conv2DBackpropInput (addon.conv2dInputGrad; not for the first layer: the tape does not ask for it) and
 *   Conv2DBackpropFilter (addon.conv2dFilterGrad), both with the forward's geometry.
 * - MaxPooling2D right after such a conv (models/poolLayer.ts): WorkbenchReluMaxPool's addon.maxPool. Any other max pool
 *   (after a batch norm, a dropout, a pool) is tfjs's MaxPool, whose kernel makes the same addon.maxPool call; its
 *   gradient MaxPoolGrad's addon.maxPoolGrad on the pool's input; the layer before then gets its own gradient pass.
 * - BatchNormalization (models/batchNorm.ts, channel-last): WorkbenchBatchNormTrain's addon.batchNormTrain over n·h·w
 *   rows (the moving statistics it returns written to the layer's variables, as the layer writes them) and
 *   WorkbenchBatchNormGrad's addon.batchNormGrad (fusedStepLayers.ts, shared with the fused MLP step).
 * - Dropout (models/layerBuilders.ts's SeededDropout): WorkbenchDropout's addon.dropout from the Alea state of the
 *   layer's next seed (nextMaskSeed, which advances the layer's own counter once a step, as its call does); its
 *   gradient tf.mul(dy, mask) by the registered Multiply kernel itself (native above its size threshold, tfjs's below).
 * - Flatten: a reshape (the same buffer). Dense (models/denseTraining.ts): _FusedMatMul's addon.matmul (relu epilogue 1
 *   or linear, bias in it), its gradient relu's mask with the bias sum in one biasActGrad pass (linear: Sum's sumRows),
 *   dx and dW by BatchMatMul's addon.matmul, exactly as fusedMlp.ts runs them.
 * - The softmax is the wasm backend's Softmax kernel, the loss and its gradient loss.ts's crossEntropyRows, the
 *   softmax gradient fusedMlp.ts's softmaxGradient; the gradients reach optimizer.applyGradients keyed by variable
 *   name in the engine's registration order (applyInRegistrationOrder), as minimize hands them; or, for FusedAdam,
 *   fusedMlpUpdate.ts's finishUpdate runs its update (the same tn_optim arithmetic per element) in one native call.
 * Each addon call has the taped kernel's arguments, so the native code splits the work over its threads the same way
 * and sums in the same order. The step runs only when the taped step would take these kernels: the wasm backend with the
 * native kernels registered, WORKBENCH_FUSED_CONV and WORKBENCH_FUSED_POOL not 0, every weight trainable.
 */

/** Steps run by this path in this thread: lets tests and the bench prove it ran. */
let fusedSteps = 0;
export function fusedCnnTrainSteps(): number {
  return fusedSteps;
}

/** Off with WORKBENCH_FUSED_CNN_TRAIN=0 (read at make time and at every step): the taped step runs then. */
export function fusedCnnTrainEnabled(): boolean {
  return process.env.WORKBENCH_FUSED_CNN_TRAIN !== '0';
}

const NEEDED = ['conv2d', 'conv2dFilterGrad', 'conv2dInputGrad', 'maxPool', 'maxPoolReluGrad', 'biasActGrad', 'matmul', 'sumRows'] as const;
const KERNELS = [CONV_LAYER_KERNEL, LAYER_ACTIVATION_KERNEL, BIAS_ACT_GRAD_KERNEL, RELU_MAX_POOL_KERNEL, MAX_POOL_RELU_GRAD_KERNEL];
/** What a stage kind needs beyond that: addon functions and kernels the layer checks for (else it runs tfjs's ops). */
const NEEDED_BY: Partial<Record<CnnTrainStage['kind'], { addon: Array<keyof NativeAddon>; kernels: string[] }>> = {
  bn: { addon: ['batchNormTrain', 'batchNormGrad'], kernels: [BATCH_NORM_TRAIN, BATCH_NORM_GRAD] },
  dropout: { addon: ['dropout'], kernels: [DROPOUT_KERNEL] },
  pool: { addon: ['maxPoolGrad'], kernels: [] },
};

/** Whether the taped step would run the kernels this step replays (checked at each call: backend and switches can change). */
function ready(addon: NativeAddon | null, stages: CnnTrainStage[]): addon is NativeAddon {
  if (addon == null || tf.getBackend() !== 'wasm' || !fusedCnnTrainEnabled() || !fusedConvEnabled() || !fusedPoolEnabled()) return false;
  if (NEEDED.some((k) => typeof addon[k] !== 'function') || KERNELS.some((k) => tf.getKernel(k, 'wasm') == null)) return false;
  for (const s of stages) {
    const need = NEEDED_BY[s.kind];
    if (need && (need.addon.some((k) => typeof addon[k] !== 'function') || need.kernels.some((k) => tf.getKernel(k, 'wasm') == null))) return false;
    // poolLayer.ts fuses the pool only into a conv with this one consumer.
    if (s.kind === 'conv' && s.pooled && s.layer.outboundNodes.length !== 1) return false;
  }
  return true;
}

/**
 * The fused step for `model`, or null when it does not apply (see cnnTrainStages; WORKBENCH_FUSED_CNN_TRAIN=0). The
 * step returns null, having changed nothing, when it cannot run at that call: the caller then runs the taped step.
 */
export function makeFusedCnnTrainStep(model: tf.LayersModel, optimizer: tf.Optimizer, inputShape: readonly number[], numClasses = 10) {
  if (!fusedCnnTrainEnabled()) return null;
  const stages = cnnTrainStages(model, inputShape, numClasses);
  if (stages == null) return null;
  const inWidth = inputShape.reduce((a, b) => a * b, 1);

  return (x: Float32Array, y: Int32Array, n: number): StepResult | null => {
    const addon = activeNative();
    if (!ready(addon, stages) || n <= 0 || x.length < n * inWidth || y.length < n) return null;
    const vars = stages.map(stageVariables);
    if (vars.some((v) => v != null && (!v[0].trainable || (v[1] != null && !v[1].trainable)))) return null;
    const backend = tf.backend() as unknown as WasmBackendInternals;
    const owned: tf.TensorInfo[] = [];
    const make = (shape: number[]) => {
      const t = backend.makeOutput(shape, 'float32');
      owned.push(t);
      return t;
    };
    const grads: tf.NamedTensorMap = {};
    const handed = new Set<object>();
    // FusedAdam's update as one native call (fusedMlpUpdate.ts, as the fused MLP step runs it for its biases) where
    // it allows it (WORKBENCH_FUSED_MLP_UPDATE=0 turns it off), else applyGradients after the step.
    const update = planNativeUpdate(optimizer, addon, backend, vars.flatMap((v) => (v == null ? [] : v[1] ? [v[0], v[1]] : [v[0]])));
    try {
      const { result, dW, db } = run(addon, backend, stages, vars, make, owned, handed, x, y, n, inWidth, numClasses);
      if (update != null) {
        const rest: Array<readonly [tf.Variable, tf.TensorInfo]> = [];
        vars.forEach((v, i) => {
          if (v == null) return;
          rest.push([v[0], dW[i]!]);
          if (v[1] != null) rest.push([v[1], db[i]!]);
        });
        finishUpdate(addon, backend, update, rest);
        fusedSteps++;
        return result;
      }
      const byName = new Map<string, tf.TensorInfo>();
      vars.forEach((v, i) => {
        if (v == null) return;
        byName.set(v[0].name, dW[i]!);
        if (v[1] != null) byName.set(v[1].name, db[i]!);
      });
      applyInRegistrationOrder(optimizer, byName, grads, handed);
      fusedSteps++;
      return result;
    } finally {
      for (const g of Object.values(grads)) g.dispose();
      for (const t of owned) if (!handed.has(t.dataId)) backend.disposeData(t.dataId);
    }
  };
}

type Vars = ReadonlyArray<readonly [tf.Variable, tf.Variable | null] | null>;
type Opt = tf.TensorInfo | null;

/** Forward, loss, backward: returns the loss and the gradients per stage (dW, db; a batch norm's dgamma, dbeta). */
function run(addon: NativeAddon, backend: WasmBackendInternals, stages: CnnTrainStage[], vars: Vars, make: (shape: number[]) => tf.TensorInfo,
  owned: tf.TensorInfo[], handed: Set<object>, x: Float32Array, y: Int32Array, n: number, inWidth: number, classes: number): { result: StepResult; dW: Opt[]; db: Opt[] } {
  const off = (t: tf.TensorInfo) => offsetOf(backend, t);
  const heap = () => heapOf(backend);
  const shapes = stages.map(stageShape);
  const size = (i: number) => shapes[i].reduce((a, b) => a * b, 1);
  const input = make([n * inWidth]);
  new Float32Array(heap(), off(input), n * inWidth).set(x.subarray(0, n * inWidth));

  // Per stage: its output, the geometry of its native calls for n images; a dropout's mask, a batch norm's statistics.
  const out = stages.map((_, i) => make([n, ...shapes[i]]));
  const geometry = stages.map((s) => (s.kind === 'conv' ? convGeometry([n, ...s.in], s.filterShape, s.strides, s.pad, 1, 'NHWC')
    : s.kind === 'pool' ? poolGeometry([n, ...s.in], s.filterSize, s.strides, s.pad) : null));
  if (geometry.some((g, i) => g == null && (stages[i].kind === 'conv' || stages[i].kind === 'pool'))) {
    throw new Error('internal error: a convolution or pool the native kernels do not take');
  }
  const mask = stages.map((s, i) => (s.kind === 'dropout' ? make([n, ...shapes[i]]) : null));
  const stats = stages.map((s) => (s.kind === 'bn' ? [0, 1, 2, 3].map(() => make([s.width])) : null));

  // Forward, as the taped step's kernels.
  let cur = input;
  const inputs: tf.TensorInfo[] = [];
  stages.forEach((s, i) => {
    inputs.push(cur);
    const g = geometry[i]!;
    if (s.kind === 'conv') {
      const bias = s.bias?.read();
      addon.conv2d(heap(), Float64Array.of(off(cur), off(s.kernel.read()), bias ? off(bias) : -1, off(out[i]), CONV_RELU, ...g));
    } else if (s.kind === 'pool') {
      // WorkbenchReluMaxPool and the MaxPool kernel make the same call.
      addon.maxPool(heap(), Float64Array.of(off(cur), off(out[i]), ...g));
    } else if (s.kind === 'bn') {
      batchNormForward(addon, backend, s, cur, out[i], stats[i]!, (n * size(i)) / s.width, handed);
    } else if (s.kind === 'dropout') {
      dropoutForward(addon, backend, s, cur, out[i], mask[i]!, n * s.width);
    } else {
      const m = matMulGeometry([n, s.inDim], [s.inDim, s.width], false, false)!;
      const bias = s.bias?.read();
      addon.matmul(heap(), Float64Array.of(off(cur), off(s.kernel.read()), off(out[i]), bias ? off(bias) : -1, s.act === ACT.relu ? 1 : 0,
        m.batch, m.batchA, m.batchB, m.m, m.n, m.k, 0, 0));
    }
    cur = out[i];
  });

  // Softmax by the wasm backend's own kernel; then the loss and its gradient as loss.ts, softmax's gradient as fusedMlp.ts.
  const last = stages.length - 1;
  // dOut[i]: the gradient of stage i's output, made by the stage after it (a pooled conv's is never made: its pool's
  // gradient gives its dz directly).
  const dOut: Opt[] = stages.map((_, i) => (i === last ? make([n, classes]) : null));
  const softmax = tf.getKernel('Softmax', 'wasm')!.kernelFunc({ inputs: { logits: out[last] }, backend: backend as never, attrs: { dim: 1 } }) as tf.TensorInfo;
  let loss: { value: number; correct: number };
  try {
    const p = new Float32Array(heap(), off(softmax), n * classes);
    const dz = new Float32Array(heap(), off(dOut[last]!), n * classes);
    loss = crossEntropyRows(p, y, n, classes, dz);
    softmaxGradient(p, dz, n, classes);
  } finally {
    backend.disposeData(softmax.dataId);
  }

  // Backward, last stage first. dz: a stage's gradient after its activation (a pooled conv's comes from its pool).
  const dW: Opt[] = stages.map(() => null);
  const db: Opt[] = stages.map(() => null);
  const dz: Opt[] = stages.map(() => null);
  for (let i = last; i >= 0; i--) {
    const s = stages[i];
    const g = geometry[i]!;
    const dy = dOut[i]!; // (null only for a pooled conv, which does not read it)
    // The input gradient, asked for by the tape for every stage but the first conv; made before any call reads the heap
    // (an allocation can grow, and so replace, the wasm memory). A fused pool and a dropout give theirs otherwise.
    const dIn = i > 0 && !(s.kind === 'pool' && s.fused) && s.kind !== 'dropout' ? (dOut[i - 1] = make([n, ...shapes[i - 1]])) : null;
    if (s.kind === 'pool' && s.fused) {
      // The conv before: dz = MaxPoolGrad(y, dy)·step(y) and db = Sum(dz) in one pass (WorkbenchMaxPoolReluGrad).
      const c = stages[i - 1] as ConvStage;
      dz[i - 1] = make([n * size(i - 1)]);
      db[i - 1] = make([c.out[2]]);
      addon.maxPoolReluGrad(heap(), Float64Array.of(off(out[i - 1]), off(dy), off(dz[i - 1]!), off(db[i - 1]!), ...g));
      continue;
    }
    if (s.kind === 'pool') {
      addon.maxPoolGrad(heap(), Float64Array.of(off(inputs[i]), off(dy), off(dIn!), ...g));
      continue;
    }
    if (s.kind === 'bn') {
      dW[i] = make([s.width]);
      db[i] = make([s.width]);
      batchNormBackward(addon, backend, s, inputs[i], dy, stats[i]!, dIn!, dW[i]!, db[i]!, (n * size(i)) / s.width);
      continue;
    }
    if (s.kind === 'dropout') {
      // tf.mul(dy, mask) (Dropout.ts's gradient) by the registered Multiply kernel itself: its native pass, or below its
      // size threshold the wasm backend's own.
      const t = tf.getKernel('Multiply', 'wasm')!.kernelFunc({ inputs: { a: dy, b: mask[i]! }, backend: backend as never, attrs: {} }) as tf.TensorInfo;
      owned.push(t);
      dOut[i - 1] = t;
      continue;
    }
    if (s.kind === 'conv') {
      const co = s.out[2];
      if (!s.pooled) {
        // WorkbenchBiasActGrad with relu's mask from the output (x = y), the bias gradient always asked for.
        dz[i] = make([n * size(i)]);
        db[i] = make([co]);
        addon.biasActGrad(heap(), Float64Array.of(RELU_MASK, off(out[i]), off(out[i]), off(dy), off(dz[i]!), off(db[i]!), (n * size(i)) / co, co));
      }
      if (dIn) addon.conv2dInputGrad(heap(), Float64Array.of(off(dz[i]!), off(s.kernel.read()), off(dIn!), ...g));
      dW[i] = make(s.filterShape);
      addon.conv2dFilterGrad(heap(), Float64Array.of(off(inputs[i]), off(dz[i]!), off(dW[i]!), ...g));
      continue;
    }
    // Dense, as fusedMlp.ts (and denseTraining.ts's _FusedMatMul gradient).
    if (s.act === ACT.relu) {
      dz[i] = make([n * s.width]);
      db[i] = make([s.width]);
      addon.biasActGrad(heap(), Float64Array.of(RELU_MASK, off(out[i]), off(out[i]), off(dy), off(dz[i]!), off(db[i]!), n, s.width));
    } else {
      dz[i] = dy;
      if (s.bias) {
        db[i] = make([s.width]);
        addon.sumRows(heap(), Float64Array.of(off(dy), off(db[i]!), n, s.width));
      }
    }
    const kernel = vars[i]![0];
    const gx = matMulGeometry([n, s.width], [s.inDim, s.width], false, true)!;
    addon.matmul(heap(), Float64Array.of(off(dz[i]!), off(kernel), off(dIn!), -1, 0, gx.batch, gx.batchA, gx.batchB, gx.m, gx.n, gx.k, 0, 1));
    const gw = matMulGeometry([n, s.inDim], [n, s.width], true, false)!;
    dW[i] = make([s.inDim, s.width]);
    addon.matmul(heap(), Float64Array.of(off(inputs[i]), off(dz[i]!), off(dW[i]!), -1, 0, gw.batch, gw.batchA, gw.batchB, gw.m, gw.n, gw.k, 1, 0));
  }
  // A conv without a bias variable computes db all the same (as its kernels do); it is not handed to the optimizer.
  return { result: { loss: loss.value, correct: loss.correct }, dW, db };
}

/** conv2d's epilogue for relu as tfjs's Relu kernel (ConvLayer.ts's EPILOGUE.relu), the one the training forward runs. */
const CONV_RELU = 2;
