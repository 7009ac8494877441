// The training step of a graph CNN (fusedGraphCnnPlan.ts says which) without tfjs's tape (engine layer): the kernels the
// taped step's layers record, each run as its registered wasm kernel function straight on the backend (no engine, no
// tape, no tensors; each layer's calls in fusedGraphCnnOps.ts), forward and then their gradients in the tape's reverse
// order, then the optimizer's own update.
// makeFusedStep (fusedGraphMlp.ts) tries it after the fused CNN step; anything else, and whenever it cannot run at a
// call, is the taped step.
import * as tf from '@tensorflow/tfjs';
import { activeNative } from '../backend/native/active.js';
import { DROPOUT_KERNEL } from '../backend/kernels/native/Dropout.js';
import { BIAS_ACT_GRAD_KERNEL, CONV_LAYER_KERNEL, convLayerGeometry, LAYER_ACTIVATION_KERNEL } from '../backend/kernels/native/ConvLayer.js';
import { BIAS_RELU, GAUSSIAN_NOISE, GLOBAL_MAX_GRAD, LEAKY_RELU_GRAD, PRELU_GRAD } from '../backend/kernels/native/GraphOps.js';
import type { WasmBackendInternals } from '../backend/kernels/native/heap.js';
import { fusedBatchNormAvailable } from '../models/batchNorm.js';
import { biasReluKernels } from '../models/biasRelu.js';
import { fusedConvEnabled } from '../models/convLayer.js';
import { gapEnabled } from '../models/gapLayer.js';
import { dilatedConvAvailable } from '../models/dilatedConv.js';
import { dilatedDepthwiseAvailable } from '../models/dilatedDepthwise.js';
import { graphFusionEnabled } from '../models/graphOps.js';
import { fusedLayerNormAvailable } from '../models/layerNorm.js';
import { applyInRegistrationOrder } from './fusedMlp.js';
import { finishUpdate, planNativeUpdate } from './fusedMlpUpdate.js';
import { HeapScope, lossAndGradient } from './fusedGraphMlp.js';
import { cnnNodeVariables, graphCnnPlan, type CnnGraphPlan, type CnnNode } from './fusedGraphCnnPlan.js';
import { backwardNode, forwardNode, type Info, type Kept, type Kernel } from './fusedGraphCnnOps.js';
import type { StepResult } from './step.js';

/*
 * Why the bits are the taped step's (tests/engine/train/fusedGraphCnn.test.ts checks weights, optimizer state, losses
 * and the addon calls step by step): every layer's forward and gradient is the very kernel function the taped step's
 * engine dispatches to (native or tfjs's own, whichever is registered on wasm, so its size-dependent choice is the
 * same), with the same inputs and attributes:
 * - GaussianNoise: WorkbenchGaussianNoise from the Alea state of (seed·1,000,003 + step) (graphOps.ts); its gradient dy.
 * - Conv2D (convLayer.ts): WorkbenchConvLayer; WorkbenchBiasActGrad (relu's mask and the bias sum), Conv2DBackpropInput
 *   and Conv2DBackpropFilter with its attributes; a linear conv's bias by Sum over n, h, w.
 * - dilated Conv2D, DepthwiseConv2D and SeparableConv2D (dilation.ts, dilatedConv.ts, dilatedDepthwise.ts, or tfjs's
 *   depthwise layer at rate 1): WorkbenchDilatedConv2D or DepthwiseConv2dNative with the call's attributes, a
 *   separable layer's pointwise Conv2D (stride 1, valid), WorkbenchBiasRelu for a bias (relu); backward
 *   WorkbenchBiasActGrad, the Conv2D's two backprop kernels, then the depthwise (dilated) pair with the gradient's
 *   attributes (tfjs's DepthwiseConv2dNative gradient's, or convByKernels').
 * - ZeroPadding2D: PadV2, its gradient Slice. LeakyReLU: LeakyRelu, WorkbenchLeakyReluGrad. PReLU: Prelu,
 *   WorkbenchPreluGrad and Sum over the shared axes. MaxPooling2D: MaxPool, MaxPoolGrad. LayerNormalization:
 *   WorkbenchLayerNorm(Grad). GlobalMaxPooling2D: Max, WorkbenchGlobalMaxGrad. SpatialDropout2D: tf.dropout's
 *   Add(uniform, keep), Floor, RealDiv, Multiply, the uniform draw tfjs's own (randomUniform with the layer's
 *   `${seed}:${step}`), its gradient Multiply(dy, mask). Add: Add from the first input on; Concatenate: Concat, SplitV.
 * - BatchNormalization (batchNorm.ts): WorkbenchBatchNormTrain, its new moving statistics written to the layer's
 *   variables as its call writes them; its gradient WorkbenchBatchNormGrad.
 * - Dropout (layerBuilders.ts): WorkbenchDropout from the layer's next mask seed, its gradient Multiply(dy, mask).
 *   GlobalAveragePooling2D (gapLayer.ts): Mean over h, w; its gradient RealDiv(dy, h·w) and Tile. Flatten: a reshape.
 * - Dense (denseTraining.ts): _FusedMatMul (relu or linear in it); its gradient WorkbenchBiasActGrad for relu, then
 *   BatchMatMul for dx and dW, Sum for a linear one's bias. The output Dense softmax: linear, then the softmax, loss
 *   and softmax gradient as fusedGraphMlp.ts's (lossAndGradient; with soft targets, label smoothing or mixup, the
 *   objective step's soft cross-entropy).
 * - a tensor read by several layers gets its gradient summed as tfjs's backprop does (fusedGraphMlp.ts's rule): the
 *   consumers in reverse tape order, each by the Add kernel add(sum so far, new); an Add layer's inputs last to first,
 *   a Concatenate's first to last; only gradients the tape asks for are computed (a tensor before every weight has none).
 * - the gradients reach `optimizer.applyGradients` keyed by variable name in the engine's registration order, or
 *   FusedAdam's one native update (fusedMlpUpdate.ts), as the fused CNN step hands them.
 */

/** Steps run by this path in this thread: lets tests and the bench prove it ran. */
let fusedSteps = 0;
export function fusedGraphCnnSteps(): number {
  return fusedSteps;
}

/** Off with WORKBENCH_FUSED_GRAPH_CNN=0 (read at make time and at every step): the taped step runs then. */
export function fusedGraphCnnEnabled(): boolean {
  return process.env.WORKBENCH_FUSED_GRAPH_CNN !== '0';
}

/** Kernels every plan may run (the per-layer ones the layers' own availability checks cover). */
const KERNELS = [tf.Add, tf.Concat, tf.SplitV, tf.PadV2, tf.Slice, tf.LeakyRelu, tf.Prelu, tf.MaxPool, tf.MaxPoolGrad, tf.Max, tf.Floor,
  tf.RealDiv, tf.Multiply, tf.Sum, tf.Conv2D, tf.Conv2DBackpropInput, tf.Conv2DBackpropFilter, tf.DepthwiseConv2dNative,
  tf.DepthwiseConv2dNativeBackpropInput, tf.DepthwiseConv2dNativeBackpropFilter, tf._FusedMatMul, tf.BatchMatMul, tf.Softmax, tf.Mean,
  tf.Tile];
const has = (...names: string[]) => names.every((k) => tf.getKernel(k, 'wasm') != null);
/** A stand-in for the layers' availability checks on x (float32, rank 4: what every convolution of a plan reads). */
const IMAGE = { dtype: 'float32', rank: 4 } as tf.Tensor;

/** Whether the taped step's layer call takes the kernels this node replays (read at every step: switches can change). */
function nodeReady(nd: CnnNode, plan: CnnGraphPlan, n: number): boolean {
  switch (nd.kind) {
    case 'noise': return graphFusionEnabled() && has(GAUSSIAN_NOISE) && nd.noise.noiseSeed * 1_000_003 + nd.noise.steps !== 0;
    case 'conv': return fusedConvEnabled() && has(CONV_LAYER_KERNEL, BIAS_ACT_GRAD_KERNEL, LAYER_ACTIVATION_KERNEL)
      && convLayerGeometry([n, ...plan.shapes[nd.ins[0]]], nd.kernel.read().shape, nd.attrs.strides, nd.attrs.pad as 'same') != null;
    case 'spatialConv': {
      const relu = nd.bias == null || (biasReluKernels() && has(BIAS_RELU, BIAS_ACT_GRAD_KERNEL));
      if (!nd.dilated) return relu;
      return relu && (nd.depthwise ? dilatedDepthwiseAvailable(IMAGE, nd.kernel.read()) : dilatedConvAvailable(IMAGE, nd.kernel.read()));
    }
    case 'leaky': return graphFusionEnabled() && has(LEAKY_RELU_GRAD);
    case 'prelu': return graphFusionEnabled() && has(PRELU_GRAD);
    case 'globalMax': return graphFusionEnabled() && has(GLOBAL_MAX_GRAD);
    case 'layerNorm': return fusedLayerNormAvailable();
    case 'batchNorm': return fusedBatchNormAvailable();
    case 'dropout': return has(DROPOUT_KERNEL);
    case 'globalAvg': return gapEnabled();
    // relu's mask and bias sum by WorkbenchBiasActGrad (denseTraining.ts's gradient), else tfjs's relu gradient ops.
    case 'dense': return !nd.relu || (fusedConvEnabled() && has(BIAS_ACT_GRAD_KERNEL));
    default: return true;
  }
}

/** Forward, loss, backward over `plan`: the loss and hits, and every variable's gradient. */
function run(s: HeapScope, plan: CnnGraphPlan, x: Float32Array, labels: Int32Array, soft: Float32Array | null, n: number, classes: number,
  handed: Set<object>) {
  const k: Kernel = (name, inputs, attrs = {}) => {
    const out = tf.getKernel(name, 'wasm')!.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend: s.backend as never, attrs: attrs as tf.NamedAttrMap });
    return (Array.isArray(out) ? out : [out]).map((t) => s.own(t));
  };
  const input = s.own(s.backend.makeOutput([n, ...plan.shapes[0]], 'float32'));
  const width = plan.shapes[0].reduce((a, b) => a * b, 1);
  new Float32Array(s.heap(), s.off(input), n * width).set(x.subarray(0, n * width));
  const vals: Info[] = [input];
  const kept: Kept = new Map();
  for (const nd of plan.nodes) vals.push(forwardNode(k, s, nd, nd.ins.map((i) => vals[i]), kept, handed));

  const output = plan.nodes.at(-1)!;
  const { result, dz } = lossAndGradient(s, vals[output.out], labels, soft, n, classes);
  const grads: Array<Info | null> = vals.map(() => null);
  grads[output.out] = dz;
  const give = (i: number, g: Info) => {
    const cur = grads[i];
    grads[i] = cur == null ? g : k(tf.Add, { a: cur, b: g })[0];
  };
  const varGrads: Array<readonly [tf.Variable, Info]> = [];
  for (let j = plan.nodes.length - 1; j >= 0; j--) {
    const nd = plan.nodes[j];
    const dy = grads[nd.out];
    if (dy == null) continue;
    const xs = nd.ins.map((i) => vals[i]);
    const got = backwardNode(k, s, nd, dy, xs, vals[nd.out], kept, nd.ins.map((i) => plan.needsGrad[i]), (m, g) => give(nd.ins[m], g));
    cnnNodeVariables(nd).forEach((v, m) => varGrads.push([v, got[m]]));
  }
  return { result, varGrads };
}

/**
 * The fused step for `model`, or null when its plan does not take it (fusedGraphCnnPlan.ts) or WORKBENCH_FUSED_GRAPH_CNN
 * is 0. The step returns null, having changed nothing, when it cannot run at that call: the caller then runs the taped step.
 */
export function makeFusedGraphCnnStep(model: tf.LayersModel, optimizer: tf.Optimizer, inputShape: readonly number[], numClasses = 10) {
  if (!fusedGraphCnnEnabled()) return null;
  const { plan } = graphCnnPlan(model, inputShape, numClasses);
  if (plan == null) return null;
  const inWidth = inputShape.reduce((a, b) => a * b, 1);

  return (x: Float32Array, y: Int32Array, n: number, soft: Float32Array | null = null): StepResult | null => {
    const addon = activeNative();
    if (addon == null || !fusedGraphCnnEnabled() || tf.getBackend() !== 'wasm' || !has(...KERNELS) || n <= 0 || x.length < n * inWidth || y.length < n) return null;
    if (!plan.nodes.every((nd) => nodeReady(nd, plan, n))) return null;
    const vars = plan.nodes.flatMap(cnnNodeVariables);
    if (vars.some((v) => !v.trainable)) return null;
    const backend = tf.backend() as unknown as WasmBackendInternals;
    const update = planNativeUpdate(optimizer, addon, backend, vars);
    const s = new HeapScope(addon, backend);
    const handed = new Set<object>();
    const grads: tf.NamedTensorMap = {};
    try {
      const { result, varGrads } = run(s, plan, x, y, soft, n, numClasses, handed);
      if (update != null) {
        finishUpdate(addon, backend, update, varGrads);
      } else {
        applyInRegistrationOrder(optimizer, new Map(varGrads.map(([v, g]) => [v.name, { ...g, shape: v.shape }])), grads, handed);
      }
      fusedSteps++;
      return result;
    } finally {
      for (const g of Object.values(grads)) g.dispose();
      s.release(handed);
    }
  };
}
