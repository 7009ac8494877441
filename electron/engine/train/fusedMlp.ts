// The training step of a plain MLP without tfjs's tape (engine layer): the same native kernel calls the taped step
// makes, straight on the wasm heap, then the optimizer's own update. Chosen by makeFastestTrainStep where it applies.
import * as tf from '@tensorflow/tfjs';
import { activeNative } from '../backend/native/active.js';
import type { NativeAddon } from '../backend/native/addon.js';
import { aleaState } from '../backend/kernels/native/Dropout.js';
import { NATIVE_ACTIVATIONS } from '../backend/kernels/native/Activation.js';
import { matMulGeometry } from '../backend/kernels/native/matmul-geometry.js';
import { heapOf, offsetOf, type WasmBackendInternals } from '../backend/kernels/native/heap.js';
import { fusedActivationFn } from '../models/activations.js';
import { isTrainingDense } from '../models/denseTraining.js';
import { asSeededDropout } from '../models/layerBuilders.js';
import { crossEntropyRows } from './loss.js';
import { makeTrainStep, sizeOf, type StepResult } from './step.js';

/*
 * Why the bits are the taped step's (tests/engine/train/fusedMlp.test.ts checks weights and losses step by step):
 * every GEMM, column sum, activation, dropout and element-wise product is the addon call the registered kernel makes
 * for that op (same arguments, so the same summation order and threads split), the softmax is the wasm backend's own
 * Softmax kernel, the loss and its gradient are loss.ts's arithmetic, and softmax's gradient
 * dy·y − sum(dy·y)·y is done element by element in float32 with the row sum in order from 0, as the wasm kernels
 * (Multiply, Sum, Sub) do for these small tensors. The update is `optimizer.applyGradients` with the gradients keyed
 * in the order tfjs's variableGrads gives them, so the optimizer (fused or not) sees exactly what minimize passes it.
 */

/** Steps run by the fused path in this thread: lets tests and the bench prove it ran. */
let fusedSteps = 0;
export function fusedMlpSteps(): number {
  return fusedSteps;
}

const ACT = { linear: -1, relu: -2, softmax: -3 } as const;
/** tn_act_grad reads y for elu, sigmoid, tanh (Activation.ts's GRAD_FROM_Y), x for the others. */
const GRAD_FROM_Y = new Set([NATIVE_ACTIVATIONS.elu, NATIVE_ACTIVATIONS.sigmoid, NATIVE_ACTIVATIONS.tanh]);

interface LayerVar { read(): tf.Variable }
interface DenseStage { kind: 'dense'; kernel: LayerVar; bias: LayerVar | null; inDim: number; units: number; act: number }
interface DropoutStage { kind: 'dropout'; width: number; keep: number; layer: { nextMaskSeed(): string } }
type Stage = DenseStage | DropoutStage;

interface DenseFields { kernel?: LayerVar | null; bias?: LayerVar | null; units: number; activation?: { getClassName(): string } }

/** The model as the fused step runs it, or null when it is not Flatten → (Dense | Dropout)* → Dense softmax. */
export function mlpStages(model: tf.LayersModel, inputShape: readonly number[], numClasses: number): Stage[] | null {
  if (!(model instanceof tf.Sequential)) return null;
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  let width = sizeOf(inputShape);
  if (inputShape.length > 1 && layers[0]?.getClassName() !== 'Flatten') return null;
  const stages: Stage[] = [];
  for (const [i, layer] of layers.entries()) {
    const name = layer.getClassName();
    if (name === 'Flatten' && i === 0) continue;
    if (name === 'Dropout') {
      const d = asSeededDropout(layer);
      if (d == null) return null;
      // A rate outside (0, 1) trains as the identity and draws no mask (SeededDropout.call).
      if (d.maskRate > 0 && d.maskRate < 1) stages.push({ kind: 'dropout', width, keep: Math.fround(1 - d.maskRate), layer: d });
      continue;
    }
    if (name !== 'Dense' || !isTrainingDense(layer)) return null;
    const f = layer as unknown as DenseFields;
    const kernel = f.kernel?.read();
    if (kernel == null || kernel.shape.length !== 2 || kernel.shape[0] !== width) return null;
    const actName = f.activation?.getClassName() ?? 'linear';
    const last = i === layers.length - 1;
    let act: number | null = actName === 'relu' ? ACT.relu : actName === 'linear' ? ACT.linear : null;
    if (actName === 'softmax') act = last ? ACT.softmax : null;
    else if (actName === 'elu') act = NATIVE_ACTIVATIONS.elu;
    else if (act == null) act = fusedActivationFn(f.activation);
    if (act == null) return null;
    stages.push({ kind: 'dense', kernel: f.kernel!, bias: f.bias ?? null, inDim: width, units: f.units, act });
    width = f.units;
  }
  const end = stages.at(-1);
  if (end?.kind !== 'dense' || end.act !== ACT.softmax || end.units !== numClasses) return null;
  return stages;
}

/**
 * One step's buffers, straight from the backend (no fill, no engine bookkeeping) and freed after the step: a run's
 * model and optimizer are disposed at its end, and nothing here must outlive them. dW and db become tensors for the
 * optimizer. dz: the gradient of a Dense's GEMM output where an activation lies between (the kernels take no aliasing).
 */
interface Buffers { input: tf.TensorInfo; out: tf.TensorInfo[]; pre: Opt[]; mask: Opt[]; dz: Opt[]; dOut: tf.TensorInfo[]; dW: Opt[]; db: Opt[] }
type Opt = tf.TensorInfo | null;

function allocate(backend: WasmBackendInternals, stages: Stage[], n: number, inWidth: number): Buffers {
  const make = (shape: number[]) => backend.makeOutput(shape, 'float32');
  const b: Buffers = { input: make([n, inWidth]), out: [], pre: [], mask: [], dz: [], dOut: [], dW: [], db: [] };
  for (const s of stages) {
    const dense = s.kind === 'dense' ? s : null;
    const w = dense ? dense.units : (s as DropoutStage).width;
    b.out.push(make([n, w]));
    b.dOut.push(make([n, w]));
    b.pre.push(dense && dense.act >= 0 ? make([n, w]) : null);
    b.mask.push(!dense || dense.act === ACT.relu ? make([n, w]) : null);
    b.dz.push(dense && (dense.act >= 0 || dense.act === ACT.relu) ? make([n, w]) : null);
    b.dW.push(dense ? make([dense.inDim, dense.units]) : null);
    b.db.push(dense?.bias ? make([dense.units]) : null);
  }
  return b;
}

function release(backend: WasmBackendInternals, b: Buffers, except: ReadonlySet<object>): void {
  for (const t of [b.input, ...b.out, ...b.pre, ...b.mask, ...b.dz, ...b.dOut, ...b.dW, ...b.db]) {
    if (t != null && !except.has(t.dataId)) backend.disposeData(t.dataId);
  }
}

/**
 * The fused step for `model`, or null when it does not apply to this model (see mlpStages). Its `tryStep` also
 * checks what can change during a run (backend, native kernels, frozen layers) and returns null, having changed
 * nothing, when it cannot run: the caller then runs the taped step.
 */
export function makeFusedMlpStep(model: tf.LayersModel, optimizer: tf.Optimizer, inputShape: readonly number[], numClasses = 10) {
  const stages = mlpStages(model, inputShape, numClasses);
  if (stages == null) return null;
  const dense = stages.filter((s): s is DenseStage => s.kind === 'dense');
  const inWidth = sizeOf(inputShape);

  return (x: Float32Array, y: Int32Array, n: number): StepResult | null => {
    const addon = activeNative();
    if (addon == null || tf.getBackend() !== 'wasm' || typeof addon.dropout !== 'function' || typeof addon.activation !== 'function') return null;
    const vars = dense.map((s) => [s.kernel.read(), s.bias?.read() ?? null] as const);
    if (vars.some(([k, b]) => !k.trainable || (b != null && !b.trainable))) return null;
    const backend = tf.backend() as unknown as WasmBackendInternals;
    const b = allocate(backend, stages, n, inWidth);
    const grads: tf.NamedTensorMap = {};
    const handed = new Set<object>();
    try {
      const result = run(addon, backend, stages, vars, b, x, y, n, numClasses);
      // As minimize: the gradients by variable name in the engine's registration order (tfjs's variableGrads), then
      // the optimizer's own update. The optimizer's state slot i follows that order.
      const byName = new Map<string, tf.TensorInfo>();
      let d = 0;
      stages.forEach((s, i) => {
        if (s.kind !== 'dense') return;
        const [k, bias] = vars[d++];
        byName.set(k.name, b.dW[i]!);
        if (bias != null) byName.set(bias.name, b.db[i]!);
      });
      for (const name in tf.engine().registeredVariables) {
        const info = byName.get(name);
        if (info == null) continue;
        handed.add(info.dataId);
        grads[name] = tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor;
      }
      optimizer.applyGradients(grads);
      fusedSteps++;
      return result;
    } finally {
      for (const g of Object.values(grads)) g.dispose();
      release(backend, b, handed);
    }
  };
}

type Vars = ReadonlyArray<readonly [tf.Variable, tf.Variable | null]>;

/** Forward, loss, backward: the gradients land in the buffers' dW and db. */
function run(addon: NativeAddon, backend: WasmBackendInternals, stages: Stage[], vars: Vars, b: Buffers, x: Float32Array, y: Int32Array,
  n: number, classes: number): StepResult {
  const off = (t: tf.TensorInfo) => offsetOf(backend, t);
  const heap = () => heapOf(backend);
  new Float32Array(heap(), off(b.input), sizeOf(b.input.shape)).set(x.subarray(0, sizeOf(b.input.shape)));

  // Forward, as the taped step's kernels: _FusedMatMul (relu or linear, bias in its epilogue), the activation, dropout.
  let cur: tf.TensorInfo = b.input;
  const inputs: tf.TensorInfo[] = [];
  let d = 0;
  stages.forEach((s, i) => {
    inputs.push(cur);
    if (s.kind === 'dropout') {
      const st = aleaState(s.layer.nextMaskSeed());
      addon.dropout(heap(), Float64Array.of(off(cur), off(b.out[i]), off(b.mask[i]!), n * s.width, st.c, st.s0, st.s1, st.s2, s.keep));
    } else {
      const [kernel, bias] = vars[d++];
      const g = matMulGeometry([n, s.inDim], [s.inDim, s.units], false, false)!;
      const z = s.act >= 0 ? b.pre[i]! : b.out[i];
      addon.matmul(heap(), Float64Array.of(off(cur), off(kernel), off(z), bias ? off(bias) : -1, s.act === ACT.relu ? 1 : 0,
        g.batch, g.batchA, g.batchB, g.m, g.n, g.k, 0, 0));
      if (s.act >= 0) addon.activation(heap(), Float64Array.of(s.act, off(z), -1, -1, off(b.out[i]), n * s.units, 0));
    }
    cur = b.out[i];
  });

  // Softmax by the wasm backend's own kernel (the taped step's); then the loss and its gradient as loss.ts.
  const last = stages.length - 1;
  const softmax = tf.getKernel('Softmax', 'wasm')!.kernelFunc({ inputs: { logits: b.out[last] }, backend: backend as never, attrs: { dim: 1 } }) as tf.TensorInfo;
  let loss: { value: number; correct: number };
  try {
    const p = new Float32Array(heap(), off(softmax), n * classes);
    const dz = new Float32Array(heap(), off(b.dOut[last]), n * classes);
    loss = crossEntropyRows(p, y, n, classes, dz);
    softmaxGradient(p, dz, n, classes);
  } finally {
    backend.disposeData(softmax.dataId);
  }

  // Backward, last stage first: dOut[i] holds the gradient of stage i's output (of its GEMM for the softmax layer).
  const firstWithWeights = stages.findIndex((s) => s.kind === 'dense');
  d = vars.length;
  for (let i = last; i >= 0; i--) {
    const s = stages[i];
    const dy = b.dOut[i];
    const needInput = i > firstWithWeights;
    if (s.kind === 'dropout') {
      if (needInput) eltwise(addon, heap(), OP_MUL, off(dy), off(b.mask[i]!), off(b.dOut[i - 1]), n * s.width);
      continue;
    }
    const [kernel] = vars[--d];
    const size = n * s.units;
    const dz = b.dz[i] ?? dy;
    if (s.act === ACT.relu) {
      // tf.mul(dy, tf.step(y)), as _FusedMatMul's gradient (denseTraining.ts) takes it.
      eltwise(addon, heap(), OP_STEP, off(b.out[i]), -1, off(b.mask[i]!), size);
      eltwise(addon, heap(), OP_MUL, off(dy), off(b.mask[i]!), off(dz), size);
    } else if (s.act >= 0) {
      const fromY = GRAD_FROM_Y.has(s.act);
      addon.activation(heap(), Float64Array.of(s.act, fromY ? -1 : off(b.pre[i]!), fromY ? off(b.out[i]) : -1, off(dy), off(dz), size, 1));
    }
    const gw = matMulGeometry([n, s.inDim], [n, s.units], true, false)!;
    addon.matmul(heap(), Float64Array.of(off(inputs[i]), off(dz), off(b.dW[i]!), -1, 0, gw.batch, gw.batchA, gw.batchB, gw.m, gw.n, gw.k, 1, 0));
    if (b.db[i]) addon.sumRows(heap(), Float64Array.of(off(dz), off(b.db[i]!), n, s.units));
    if (needInput) {
      const gx = matMulGeometry([n, s.units], [s.inDim, s.units], false, true)!;
      addon.matmul(heap(), Float64Array.of(off(dz), off(kernel), off(b.dOut[i - 1]), -1, 0, gx.batch, gx.batchA, gx.batchB, gx.m, gx.n, gx.k, 0, 1));
    }
  }
  return { loss: loss.value, correct: loss.correct };
}

/** eltwise's op numbers (kernels/native/eltwise.ts's OP). */
const OP_MUL = 2;
const OP_STEP = 4;
function eltwise(addon: NativeAddon, heap: ArrayBufferLike, op: number, a: number, b: number, out: number, size: number): void {
  addon.eltwise(heap, Float64Array.of(op, a, b, out, size, 1, 0));
}

const f32 = Math.fround;

/** tfjs's Softmax gradient dy·y − sum(dy·y, −1)·y in place of dy, each operation rounded to float32 as the kernels do. */
function softmaxGradient(y: Float32Array, dy: Float32Array, n: number, classes: number): void {
  const t = new Float32Array(classes);
  for (let r = 0; r < n; r++) {
    const row = r * classes;
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      t[c] = f32(dy[row + c] * y[row + c]);
      sum = f32(sum + t[c]);
    }
    for (let c = 0; c < classes; c++) dy[row + c] = f32(t[c] - f32(sum * y[row + c]));
  }
}

/**
 * The step training and the bench use: the fused MLP step when the model is an eligible chain and the native kernels
 * run (WORKBENCH_FUSED_MLP=0 turns it off), else, and whenever it cannot run at a call, step.ts's taped step.
 */
export function makeFastestTrainStep(model: tf.LayersModel, optimizer: tf.Optimizer, inputShape: readonly number[], numClasses = 10) {
  const taped = makeTrainStep(model, optimizer, inputShape, numClasses);
  const fused = process.env.WORKBENCH_FUSED_MLP === '0' ? null : makeFusedMlpStep(model, optimizer, inputShape, numClasses);
  if (fused == null) return taped;
  return (x: Float32Array, y: Int32Array, n: number): StepResult => fused(x, y, n) ?? taped(x, y, n);
}
