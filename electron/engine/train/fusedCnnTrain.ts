// The training step of a Sequential CNN without tfjs's tape (engine layer): Conv2D, max/average/global average pooling,
// BatchNormalization, Dropout, Flatten, Dense, Dense softmax (fusedCnnTrainPlan.ts says which). The same native addon
// calls the taped step's kernels make (fusedCnnTrainOps.ts), straight on the wasm heap, then the optimizer's own
// update. makeFastestStep (fusedGraphMlp.ts) tries it first; anything else, and whenever it cannot run at a call, is
// the taped step.
import * as tf from '@tensorflow/tfjs';
import { activeNative } from '../backend/native/active.js';
import type { NativeAddon } from '../backend/native/addon.js';
import { ACTIVATION_GRAD_KERNEL, ACTIVATION_KERNEL, NATIVE_ACTIVATIONS } from '../backend/kernels/native/Activation.js';
import { BATCH_NORM_GRAD, BATCH_NORM_TRAIN } from '../backend/kernels/native/BatchNorm.js';
import { convGeometry } from '../backend/kernels/native/conv-geometry.js';
import { BIAS_ACT_GRAD_KERNEL, CONV_LAYER_KERNEL, LAYER_ACTIVATION_KERNEL } from '../backend/kernels/native/ConvLayer.js';
import { MAX_POOL_RELU_GRAD_KERNEL, RELU_MAX_POOL_KERNEL } from '../backend/kernels/native/ConvPool.js';
import { relu6PoolReady } from '../backend/kernels/native/Relu6Pool.js';
import { DROPOUT_KERNEL } from '../backend/kernels/native/Dropout.js';
import { heapOf, offsetOf, type WasmBackendInternals } from '../backend/kernels/native/heap.js';
import { poolGeometry } from '../backend/kernels/native/pool-geometry.js';
import { fusedConvEnabled } from '../models/convLayer.js';
import { gapEnabled } from '../models/gapLayer.js';
import { fusedPoolEnabled } from '../models/poolLayer.js';
import { relu6PoolEnabled } from '../models/relu6Pool.js';
import { backward, forward, type StepBuffers } from './fusedCnnTrainOps.js';
import { cnnTrainStages, stageShape, stageVariables, type CnnTrainStage } from './fusedCnnTrainPlan.js';
import { applyInRegistrationOrder, softmaxGradient } from './fusedMlp.js';
import { finishUpdate, planNativeUpdate } from './fusedMlpUpdate.js';
import { lossRows } from './softLoss.js';
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
 * - Conv2D with another activation: the linear epilogue, then WorkbenchLayerActivation's addon.activation; its gradient
 *   WorkbenchBiasActGrad with the activation's number (and the bias sum with a bias); a linear conv's bias gradient
 *   Sum's sumRows. A relu6 conv into a max pool (relu6Pool.ts): the pool's addon.maxPool and maxPoolReluGrad on z with
 *   relu6's argument. AvgPool/AvgPoolGrad: addon.avgPool, avgPoolGrad. GlobalAveragePooling2D (gapLayer.ts): the
 *   registered Mean kernel, and RealDiv and Tile for its gradient, run as those kernels' functions.
 * - Flatten: a reshape (the same buffer). Dense (models/denseTraining.ts): _FusedMatMul's addon.matmul (relu epilogue 1
 *   or linear, bias in it), its gradient relu's mask with the bias sum in one biasActGrad pass (linear: Sum's sumRows;
 *   another activation: Elu's or WorkbenchActivation's addon.activation each way, then Sum), dx and dW by
 *   BatchMatMul's addon.matmul.
 * - The softmax is the wasm backend's Softmax kernel, the loss and its gradient softLoss.ts's lossRows, the
 *   softmax gradient fusedMlp.ts's softmaxGradient; the gradients reach optimizer.applyGradients keyed by variable
 *   name in the engine's registration order (applyInRegistrationOrder), as minimize hands them; or, for FusedAdam,
 *   fusedMlpUpdate.ts's finishUpdate runs its update (the same tn_optim arithmetic per element) in one native call.
 * Each addon call has the taped kernel's arguments, so the native code splits the work over its threads the same way
 * and sums in the same order. The step runs only when the taped step would take these kernels: the wasm backend with the
 * native kernels registered, WORKBENCH_FUSED_CONV and WORKBENCH_FUSED_POOL not 0, every weight trainable, and what each
 * layer checks (stageReady).
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

/** Whether the taped step runs stage `s` through the kernels this step replays (else the layer runs tfjs's own ops). */
function stageReady(addon: NativeAddon, s: CnnTrainStage): boolean {
  const fns = (...k: Array<keyof NativeAddon>) => k.every((f) => typeof addon[f] === 'function');
  const kernels = (...k: string[]) => k.every((name) => tf.getKernel(name, 'wasm') != null);
  switch (s.kind) {
    case 'bn': return fns('batchNormTrain', 'batchNormGrad') && kernels(BATCH_NORM_TRAIN, BATCH_NORM_GRAD);
    case 'dropout': return fns('dropout') && kernels(DROPOUT_KERNEL);
    case 'pool': return s.op === 'avg' ? fns('avgPool', 'avgPoolGrad') : fns('maxPoolGrad');
    case 'gap': return gapEnabled();
    case 'conv':
      // poolLayer.ts and relu6Pool.ts fuse a pool only into a conv with this one consumer; relu6's only when on and taken.
      if (s.pooled && (s.layer.outboundNodes.length !== 1 || (s.act === NATIVE_ACTIVATIONS.relu6 && !(relu6PoolEnabled() && relu6PoolReady())))) return false;
      return s.act < 0 || fns('activation');
    case 'dense':
      // tfjs's Elu activation runs the Elu kernels; the others fuseActivation's pair (models/activations.ts).
      return s.act < 0 || (fns('activation') && (s.act === NATIVE_ACTIVATIONS.elu ? kernels(tf.Elu, tf.EluGrad) : kernels(ACTIVATION_KERNEL, ACTIVATION_GRAD_KERNEL)));
  }
}

/** Whether the taped step would run the kernels this step replays (checked at each call: backend and switches can change). */
function ready(addon: NativeAddon | null, stages: CnnTrainStage[]): addon is NativeAddon {
  if (addon == null || tf.getBackend() !== 'wasm' || !fusedCnnTrainEnabled() || !fusedConvEnabled() || !fusedPoolEnabled()) return false;
  if (NEEDED.some((k) => typeof addon[k] !== 'function') || KERNELS.some((k) => tf.getKernel(k, 'wasm') == null)) return false;
  return stages.every((s) => stageReady(addon, s));
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

  return (x: Float32Array, y: Int32Array, n: number, soft: Float32Array | null = null): StepResult | null => {
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
      const { result, dW, db } = run(addon, backend, stages, make, owned, handed, x, y, soft, n, inWidth, numClasses);
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

type Opt = tf.TensorInfo | null;

/** Forward, loss, backward: returns the loss and the gradients per stage (dW, db; a batch norm's dgamma, dbeta). */
function run(addon: NativeAddon, backend: WasmBackendInternals, stages: CnnTrainStage[], make: (shape: number[]) => tf.TensorInfo,
  owned: tf.TensorInfo[], handed: Set<object>, x: Float32Array, y: Int32Array, soft: Float32Array | null, n: number, inWidth: number, classes: number): { result: StepResult; dW: Opt[]; db: Opt[] } {
  const shapes = stages.map(stageShape);
  const geometry = stages.map((s) => (s.kind === 'conv' ? convGeometry([n, ...s.in], s.filterShape, s.strides, s.pad, 1, 'NHWC')
    : s.kind === 'pool' ? poolGeometry([n, ...s.in], s.filterSize, s.strides, s.pad) : null));
  if (geometry.some((g, i) => g == null && (stages[i].kind === 'conv' || stages[i].kind === 'pool'))) {
    throw new Error('internal error: a convolution or pool the native kernels do not take');
  }
  const per = (f: (s: CnnTrainStage, i: number) => Opt) => stages.map(f);
  const sample = (i: number) => [n, ...shapes[i]];
  // A separate activation's input: a conv's layer activation (unless a relu6 pool takes z), a Dense's.
  const separate = (s: CnnTrainStage) => (s.kind === 'conv' && !s.pooled && s.act >= 0) || (s.kind === 'dense' && s.act >= 0);
  const b: StepBuffers = {
    addon, backend, n, stages, shapes, geometry, make, handed, inputs: [],
    adopt: (t) => {
      owned.push(t);
      return t;
    },
    out: per((s, i) => (s.kind === 'gap' ? null : make(sample(i)))),
    pre: per((s, i) => (separate(s) ? make(sample(i)) : null)),
    mask: per((s, i) => (s.kind === 'dropout' ? make(sample(i)) : null)),
    stats: stages.map((s) => (s.kind === 'bn' ? [0, 1, 2, 3].map(() => make([s.width])) : null)),
    dOut: per(() => null), dz: per(() => null), dW: per(() => null), db: per(() => null),
  };
  const off = (t: tf.TensorInfo) => offsetOf(backend, t);
  const input = make([n * inWidth]);
  new Float32Array(heapOf(backend), off(input), n * inWidth).set(x.subarray(0, n * inWidth));

  // Forward, as the taped step's kernels.
  let cur = input;
  stages.forEach((_, i) => {
    b.inputs.push(cur);
    forward(b, i);
    cur = b.out[i]!;
  });

  // Softmax by the wasm backend's own kernel; then the loss and its gradient as loss.ts, softmax's gradient as fusedMlp.ts.
  const last = stages.length - 1;
  b.dOut[last] = make([n, classes]);
  const softmax = tf.getKernel('Softmax', 'wasm')!.kernelFunc({ inputs: { logits: b.out[last]! }, backend: backend as never, attrs: { dim: 1 } }) as tf.TensorInfo;
  let loss: { value: number; correct: number };
  try {
    const p = new Float32Array(heapOf(backend), off(softmax), n * classes);
    const dz = new Float32Array(heapOf(backend), off(b.dOut[last]!), n * classes);
    loss = lossRows(p, y, soft, n, classes, dz);
    softmaxGradient(p, dz, n, classes);
  } finally {
    backend.disposeData(softmax.dataId);
  }

  // Backward, last stage first (a conv without a bias variable computes db all the same, as its kernels do; it is not
  // handed to the optimizer).
  for (let i = last; i >= 0; i--) backward(b, i);
  return { result: { loss: loss.value, correct: loss.correct }, dW: b.dW, db: b.db };
}
