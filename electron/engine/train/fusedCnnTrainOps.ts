// One stage's forward and backward in the fused CNN training step (engine layer): the addon calls (or, where the taped
// step runs a tfjs kernel, that kernel's function itself) the taped step's kernels make for the layer, in fusedCnnTrain.ts's buffers.
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../backend/native/addon.js';
import { NATIVE_ACTIVATIONS } from '../backend/kernels/native/Activation.js';
import { RELU_MASK } from '../backend/kernels/native/ConvLayer.js';
import { heapOf, offsetOf, type WasmBackendInternals } from '../backend/kernels/native/heap.js';
import { matMulGeometry } from '../backend/kernels/native/matmul-geometry.js';
import type { CnnTrainStage, ConvStage } from './fusedCnnTrainPlan.js';
import { ACT, GRAD_FROM_Y } from './fusedMlpPlan.js';
import { batchNormBackward, batchNormForward, dropoutForward } from './fusedStepLayers.js';

type Opt = tf.TensorInfo | null;

/** A step's buffers per stage (made by fusedCnnTrain.ts's run) and what the calls need. */
export interface StepBuffers {
  addon: NativeAddon; backend: WasmBackendInternals; n: number; stages: CnnTrainStage[];
  /** Per-sample output shapes; native geometry for n images (convolutions and pools). */
  shapes: number[][]; geometry: Array<number[] | null>;
  /** A buffer freed after the step; `adopt`: a kernel's output, freed likewise. */
  make(shape: number[]): tf.TensorInfo; adopt(t: tf.TensorInfo): tf.TensorInfo;
  /** Buffers handed to the engine (a batch norm's new moving statistics). */
  handed: Set<object>;
  inputs: tf.TensorInfo[]; out: Opt[];
  /** A separate activation's input (z); a dropout's mask; a batch norm's statistics. */
  pre: Opt[]; mask: Opt[]; stats: Array<tf.TensorInfo[] | null>;
  /** The gradient of each stage's output, after its activation (dz), its weights' gradients (a batch norm's dgamma, dbeta). */
  dOut: Opt[]; dz: Opt[]; dW: Opt[]; db: Opt[];
}

/** conv2d's epilogue: 2 is relu as tfjs's Relu kernel (ConvLayer.ts's EPILOGUE.relu), 0 linear. */
const CONV_RELU = 2;

const elements = (b: StepBuffers, i: number) => b.n * b.shapes[i].reduce((p, q) => p * q, 1);
/** A registered wasm kernel run on the step's buffers, as the taped step's op runs it. */
const kernel = (b: StepBuffers, name: string, inputs: Record<string, tf.TensorInfo>, attrs: object = {}) =>
  b.adopt(tf.getKernel(name, 'wasm')!.kernelFunc({ inputs, backend: b.backend as never, attrs: attrs as never }) as tf.TensorInfo);
/** A max pool takes relu6 from the conv before it (relu6Pool.ts): the addon's pool calls with their relu6 argument. */
const relu6Pool = (b: StepBuffers, i: number) => {
  const s = b.stages[i];
  return s.kind === 'pool' && s.fused && (b.stages[i - 1] as ConvStage).act === NATIVE_ACTIVATIONS.relu6 ? [1] : [];
};

export function forward(b: StepBuffers, i: number): void {
  const { addon, backend, n } = b;
  const s = b.stages[i];
  const x = b.inputs[i];
  const off = (t: Opt) => (t ? offsetOf(backend, t) : -1);
  const heap = () => heapOf(backend);
  const g = b.geometry[i]!;
  if (s.kind === 'conv') {
    // relu and linear in the convolution's epilogue; another activation as WorkbenchLayerActivation after it, unless
    // a relu6 max pool takes z (out[i] is then z).
    const z = b.pre[i] ?? b.out[i]!;
    addon.conv2d(heap(), Float64Array.of(off(x), off(s.kernel.read()), off(s.bias?.read() ?? null), off(z), s.act === ACT.relu ? CONV_RELU : 0, ...g));
    if (b.pre[i]) addon.activation(heap(), Float64Array.of(s.act, off(z), -1, -1, off(b.out[i]), elements(b, i), 0));
  } else if (s.kind === 'pool') {
    // WorkbenchReluMaxPool and MaxPool make the same call; WorkbenchRelu6MaxPool adds relu6's argument.
    if (s.op === 'avg') addon.avgPool(heap(), Float64Array.of(off(x), off(b.out[i]), ...g));
    else addon.maxPool(heap(), Float64Array.of(off(x), off(b.out[i]), ...g, ...relu6Pool(b, i)));
  } else if (s.kind === 'gap') {
    // gapLayer.ts's kernel: the backend's Mean over height and width.
    b.out[i] = kernel(b, tf.Mean, { x }, { axis: [1, 2], keepDims: false });
  } else if (s.kind === 'bn') {
    batchNormForward(addon, backend, s, x, b.out[i]!, b.stats[i]!, elements(b, i) / s.width, b.handed);
  } else if (s.kind === 'dropout') {
    dropoutForward(addon, backend, s, x, b.out[i]!, b.mask[i]!, elements(b, i));
  } else {
    // _FusedMatMul (relu in its epilogue, or linear), then a native activation (tfjs's Elu or the fused one) on z.
    const m = matMulGeometry([n, s.inDim], [s.inDim, s.width], false, false)!;
    const z = b.pre[i] ?? b.out[i]!;
    addon.matmul(heap(), Float64Array.of(off(x), off(s.kernel.read()), off(z), off(s.bias?.read() ?? null), s.act === ACT.relu ? 1 : 0,
      m.batch, m.batchA, m.batchB, m.m, m.n, m.k, 0, 0));
    if (b.pre[i]) addon.activation(heap(), Float64Array.of(s.act, off(z), -1, -1, off(b.out[i]), n * s.width, 0));
  }
}

/** Stage i's gradients from dOut[i]: its weights' and (but for the first stage) its input's, into dOut[i − 1]. */
export function backward(b: StepBuffers, i: number): void {
  const { addon, backend, n } = b;
  const s = b.stages[i];
  const off = (t: Opt) => (t ? offsetOf(backend, t) : -1);
  const heap = () => heapOf(backend);
  const g = b.geometry[i]!;
  const dy = b.dOut[i]!; // (null only for a pooled conv, which does not read it)
  // The input gradient, asked for by the tape for every stage but the first conv; made before any call reads the heap
  // (an allocation can grow, and so replace, the wasm memory). A fused pool, a dropout, a global pool give theirs otherwise.
  const own = i > 0 && !(s.kind === 'pool' && s.fused) && s.kind !== 'dropout' && s.kind !== 'gap';
  const dIn = own ? (b.dOut[i - 1] = b.make([n, ...b.shapes[i - 1]])) : null;
  if (s.kind === 'pool') {
    if (s.fused) {
      // The conv before: dz = MaxPoolGrad(y, dy)·relu'(or relu6') and db = Sum(dz) in one pass (WorkbenchMaxPoolRelu(6)Grad).
      const c = b.stages[i - 1] as ConvStage;
      b.dz[i - 1] = b.make([elements(b, i - 1)]);
      b.db[i - 1] = b.make([c.out[2]]);
      addon.maxPoolReluGrad(heap(), Float64Array.of(off(b.inputs[i]), off(dy), off(b.dz[i - 1]), off(b.db[i - 1]), ...g, ...relu6Pool(b, i)));
    } else if (s.op === 'avg') addon.avgPoolGrad(heap(), Float64Array.of(off(dy), off(dIn), ...g));
    else addon.maxPoolGrad(heap(), Float64Array.of(off(b.inputs[i]), off(dy), off(dIn), ...g));
  } else if (s.kind === 'gap') {
    // gapLayer.ts's gradient: tile(reshape(div(dy, h·w), [n, 1, 1, c]), [1, h, w, 1]) by the registered kernels.
    const [h, w, c] = s.in;
    const size = b.make([]);
    new Float32Array(heap(), off(size), 1)[0] = h * w;
    const divided = kernel(b, tf.RealDiv, { a: dy, b: size });
    b.dOut[i - 1] = kernel(b, tf.Tile, { x: { ...divided, shape: [n, 1, 1, c] } }, { reps: [1, h, w, 1] });
  } else if (s.kind === 'bn') {
    b.dW[i] = b.make([s.width]);
    b.db[i] = b.make([s.width]);
    batchNormBackward(addon, backend, s, b.inputs[i], dy, b.stats[i]!, dIn!, b.dW[i]!, b.db[i]!, elements(b, i) / s.width);
  } else if (s.kind === 'dropout') {
    // tf.mul(dy, mask) (Dropout.ts's gradient) by the registered Multiply kernel: native above its size threshold, tfjs's below.
    b.dOut[i - 1] = kernel(b, tf.Multiply, { a: dy, b: b.mask[i]! });
  } else if (s.kind === 'conv') {
    if (!s.pooled) activationGrad(b, i, s.out[2], s.act === ACT.relu || s.bias != null);
    if (dIn) addon.conv2dInputGrad(heap(), Float64Array.of(off(b.dz[i]), off(s.kernel.read()), off(dIn), ...g));
    b.dW[i] = b.make(s.filterShape);
    addon.conv2dFilterGrad(heap(), Float64Array.of(off(b.inputs[i]), off(b.dz[i]), off(b.dW[i]), ...g));
  } else {
    // Dense, as denseTraining.ts's _FusedMatMul gradient (relu's mask and bias sum in one pass) and the activation's before it.
    activationGrad(b, i, s.width, s.act === ACT.relu || s.bias != null);
    if (dIn) {
      const gx = matMulGeometry([n, s.width], [s.inDim, s.width], false, true)!;
      addon.matmul(heap(), Float64Array.of(off(b.dz[i]), off(s.kernel.read()), off(dIn), -1, 0, gx.batch, gx.batchA, gx.batchB, gx.m, gx.n, gx.k, 0, 1));
    }
    const gw = matMulGeometry([n, s.inDim], [n, s.width], true, false)!;
    b.dW[i] = b.make([s.inDim, s.width]);
    addon.matmul(heap(), Float64Array.of(off(b.inputs[i]), off(b.dz[i]), off(b.dW[i]), -1, 0, gw.batch, gw.batchA, gw.batchB, gw.m, gw.n, gw.k, 1, 0));
  }
}

/**
 * dz and db of a conv or Dense stage over `cols` channels: relu's mask and the bias sum in one WorkbenchBiasActGrad
 * pass (always with db, as the kernels ask); a conv's layer activation likewise (db with a bias); a Dense's separate
 * activation by its gradient kernel (EluGrad, WorkbenchActivationGrad) then Sum; linear: dz = dy and Sum.
 */
function activationGrad(b: StepBuffers, i: number, cols: number, withBias: boolean): void {
  const { addon, backend } = b;
  const s = b.stages[i] as Extract<CnnTrainStage, { kind: 'conv' | 'dense' }>;
  const off = (t: Opt) => (t ? offsetOf(backend, t) : -1);
  const size = elements(b, i);
  const dy = b.dOut[i]!;
  if (s.act === ACT.linear || s.act === ACT.softmax) b.dz[i] = dy;
  else b.dz[i] = b.make([size]);
  if (withBias) b.db[i] = b.make([cols]);
  const [dz, db, y, z] = [b.dz[i], b.db[i], b.out[i], b.pre[i]];
  if (s.act === ACT.relu || (s.act >= 0 && s.kind === 'conv')) {
    const relu = s.act === ACT.relu;
    addon.biasActGrad(heapOf(backend), Float64Array.of(relu ? RELU_MASK : s.act, off(relu ? y : z), off(y), off(dy), off(dz), off(db), size / cols, cols));
    return;
  }
  if (s.act >= 0) {
    const fromY = GRAD_FROM_Y.has(s.act);
    addon.activation(heapOf(backend), Float64Array.of(s.act, fromY ? -1 : off(z), fromY ? off(y) : -1, off(dy), off(dz), size, 1));
  }
  if (db) addon.sumRows(heapOf(backend), Float64Array.of(off(dz), off(db), size / cols, cols));
}
