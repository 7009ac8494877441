// Which graph CNNs the fused graph CNN training step takes (engine layer): a functional model over NHWC tensors of this
// app's GaussianNoise, Conv2D (relu or linear; dilated), ZeroPadding2D, DepthwiseConv2D and SeparableConv2D (the kinds
// the layer runs on the native kernels), LeakyReLU, PReLU, Add, Concatenate, MaxPooling2D, LayerNormalization (last
// axis), BatchNormalization (last axis), SpatialDropout2D, Dropout, GlobalMaxPooling2D, GlobalAveragePooling2D, Flatten
// and Dense (relu or linear),
// ending in a Dense softmax; described as the nodes fusedGraphCnn.ts runs, in tfjs's own execution order, each with the
// kernels and attributes its layer's training call records.
import * as tf from '@tensorflow/tfjs';
import { asFusedBatchNorm, type BatchNormFields } from '../models/batchNorm.js';
import { isFusedConv2d } from '../models/convLayer.js';
import { isTrainingDense } from '../models/denseTraining.js';
import { isFusedGap } from '../models/gapLayer.js';
import { asSeededDropout } from '../models/layerBuilders.js';
import { dilatedClass } from '../models/dilation.js';
import { globalMaxPooling2d, preluPeriod } from '../models/graphOps.js';
import { spatialDropout2d } from '../models/noise.js';
import { maxPoolFieldsOf } from '../models/poolLayer.js';
import { executionOrder, isA, ourClasses, type NoiseLayer, type Sym } from './fusedGraphMlpPlan.js';
import type { LayerVar } from './fusedMlpPlan.js';

/** SpatialDropout2D's fields (models/noise.ts): its mask seed and step counter (the call draws from `${maskSeed}:${steps}`). */
export interface SpatialDropoutLayer { rate: number; maskSeed: number; steps: number }

/** A convolution's kernels (forward, input gradient, filter gradient) and the attributes its call gives them. */
interface ConvCall { forward: string; inputGrad: string; filterGrad: string; attrs: Record<string, unknown>; gradAttrs: Record<string, unknown> }

/**
 * A node reads tensors `ins` (indices into the plan's tensors) and writes tensor `out`; `layer` is its tfjs layer.
 * - conv: WorkbenchConvLayer (convLayer.ts's training call; relu or linear in its epilogue);
 * - spatialConv: a depthwise or dilated convolution (`conv`), then for a separable layer the pointwise Conv2D, then
 *   (with a bias, relu only) WorkbenchBiasRelu: models/dilation.ts's and tfjs's layer calls.
 */
export type CnnNode = { ins: number[]; out: number; layer: tf.layers.Layer } & (
  | { kind: 'noise'; noise: NoiseLayer }
  | { kind: 'conv'; kernel: LayerVar; bias: LayerVar | null; attrs: { strides: [number, number]; pad: string; activation: 'relu' | 'linear' } }
  | { kind: 'spatialConv'; conv: ConvCall; kernel: LayerVar; pointwise: LayerVar | null; bias: LayerVar | null; dilated: boolean; depthwise: boolean }
  | { kind: 'pad'; paddings: number[][] }
  | { kind: 'leaky'; alpha: number }
  | { kind: 'prelu'; alpha: LayerVar }
  | { kind: 'add' }
  | { kind: 'concat' }
  /**
   * `reluConv`: the relu Conv2D before it, when the conv has no other consumer (poolLayer.ts then fuses the pool into
   * it where its kernels can: WorkbenchReluMaxPool, and the relu's mask and the conv's bias sum in WorkbenchMaxPoolReluGrad).
   */
  | { kind: 'maxPool'; attrs: { filterSize: [number, number]; strides: [number, number]; pad: string }; reluConv: CnnNode | null }
  | { kind: 'layerNorm'; gamma: LayerVar; beta: LayerVar; epsilon: number }
  | { kind: 'spatialDropout'; drop: SpatialDropoutLayer }
  | { kind: 'globalMax' }
  /** _FusedMatMul with relu or linear (denseTraining.ts); the output's is linear, the softmax in the loss. */
  | { kind: 'dense'; kernel: LayerVar; bias: LayerVar | null; relu: boolean }
  /** Seeded Dropout (layerBuilders.ts): WorkbenchDropout from its next mask seed. */
  | { kind: 'dropout'; drop: { nextMaskSeed(): string }; keep: number }
  /** Flatten: a reshape (the same buffer, another shape; its gradient likewise). */
  | { kind: 'flatten' }
  /** GlobalAveragePooling2D (gapLayer.ts): Mean over h and w; its gradient RealDiv by h·w, then Tile. */
  | { kind: 'globalAvg' }
  /** BatchNormalization over the last axis (batchNorm.ts): WorkbenchBatchNormTrain, writing the moving statistics. */
  | { kind: 'batchNorm'; bn: BatchNormFields }
  /** A layer that trains as the identity (noise of stddev 0, dropout of rate outside (0, 1)). */
  | { kind: 'identity' });

export interface CnnGraphPlan {
  /** Per-sample shape of every tensor; tensor 0 is the model's input. */
  shapes: number[][];
  /** Whether a tensor's gradient is needed (some layer with weights lies before it), as the tape decides. */
  needsGrad: boolean[];
  /** In the order tfjs applies the layers (executionOrder), which is the order of their kernels on the tape. */
  nodes: CnnNode[];
}

export type CnnGraphPlanResult = { plan: CnnGraphPlan; reason: null } | { plan: null; reason: string };

/** Layers that read NHWC tensors only. */
const IMAGE_LAYERS = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'ZeroPadding2D', 'MaxPooling2D', 'GlobalMaxPooling2D',
  'GlobalAveragePooling2D', 'SpatialDropout2D', 'Flatten']);

const pair = (v: number | number[]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1] ?? v[0]]);

interface ConvFields {
  kernel?: LayerVar; depthwiseKernel?: LayerVar; pointwiseKernel?: LayerVar; bias?: LayerVar | null;
  strides: [number, number]; padding: string; dataFormat: string; dilationRate: number | number[]; activation: { getClassName(): string };
}

let probes: { spatialDropout: object; globalMax: object } | null = null;
function moreClasses() {
  probes ??= {
    spatialDropout: spatialDropout2d({ rate: 0.5, name: 'graph_cnn_spatial_probe' }, 1).constructor,
    globalMax: globalMaxPooling2d({ name: 'graph_cnn_global_max_probe' }).constructor,
  };
  return probes;
}

/** tfjs's own class of a depthwise or separable layer (the dilation-aware class's base). */
const plainClass = (kind: 'depthwise' | 'separable') => Object.getPrototypeOf(dilatedClass(kind).prototype).constructor as object;

/** The depthwise / separable / dilated conv node of `layer`, or why not. */
function spatialConv(layer: tf.layers.Layer, name: string): Extract<CnnNode, { kind: 'spatialConv' }> | string {
  const f = layer as unknown as ConvFields;
  const rate = pair(f.dilationRate);
  const act = f.activation.getClassName();
  const bias = f.bias ?? null;
  const undilated = rate[0] === 1 && rate[1] === 1;
  if (f.dataFormat !== 'channelsLast' || (f.padding !== 'same' && f.padding !== 'valid')) return `${name} ${layer.name}: not channels-last same/valid`;
  // With a bias only relu, as WorkbenchBiasRelu (dilation.ts's fused pass); without one only linear (the convolution itself).
  if (bias ? act !== 'relu' : act !== 'linear') return `${name} ${layer.name}: activation ${act}${bias ? ' with a bias' : ''}`;
  const base = { ins: [] as number[], out: 0, layer, kind: 'spatialConv' as const, bias, pointwise: null as LayerVar | null };
  if (name === 'Conv2D') {
    // dilation.ts's class at rate > 1: WorkbenchDilatedConv2D (dilatedConv.ts) and its two gradient kernels.
    if (undilated || !(layer instanceof dilatedClass('conv'))) return `Conv2D ${layer.name}: not this app's dilated Conv2D`;
    const attrs = { strides: f.strides, pad: f.padding, dilations: rate };
    return {
      ...base, kernel: f.kernel!, dilated: true, depthwise: false, conv: {
        forward: 'WorkbenchDilatedConv2D', inputGrad: 'WorkbenchDilatedConv2DBackpropInput', filterGrad: 'WorkbenchDilatedConv2DBackpropFilter',
        attrs, gradAttrs: attrs,
      },
    };
  }
  const kind = name === 'DepthwiseConv2D' ? 'depthwise' : 'separable';
  const ours = (layer as object) instanceof dilatedClass(kind);
  const pointwise = kind === 'separable' ? f.pointwiseKernel! : null;
  const dw = { forward: tf.DepthwiseConv2dNative, inputGrad: tf.DepthwiseConv2dNativeBackpropInput, filterGrad: tf.DepthwiseConv2dNativeBackpropFilter };
  if (ours && !undilated) {
    // dilatedDepthwise.ts: every call given { strides, pad, dilations, dataFormat } (convByKernels).
    const attrs = { strides: f.strides, pad: f.padding, dilations: rate, dataFormat: 'NHWC' };
    return { ...base, kernel: f.depthwiseKernel!, pointwise, dilated: true, depthwise: true, conv: { ...dw, attrs, gradAttrs: attrs } };
  }
  if (!undilated) return `${name} ${layer.name}: dilated but not this app's class`;
  // tfjs's depthwiseConv2d op (tfjs's layer passes dilations null, dilation.ts's rate-1 call [1, 1]); its gradient's
  // attributes are tfjs's DepthwiseConv2dNative gradient's, dilations [1, 1].
  const gradAttrs = { strides: f.strides, pad: f.padding, dimRoundingMode: undefined, dilations: [1, 1] };
  const attrs = { strides: f.strides, pad: f.padding, dataFormat: 'NHWC', dilations: ours ? [1, 1] : null, dimRoundingMode: undefined };
  if (ours) {
    // dilation.ts's class takes its fused call at rate 1 only with a bias and relu (else tfjs's call, checked below).
    if (bias == null) return `${name} ${layer.name}: the dilation class without a bias`;
  } else if (!isA(layer, plainClass(kind)) || kind !== 'depthwise' || bias != null) {
    return `${name} ${layer.name}: tfjs's own ${kind} layer with a bias or a pointwise step`;
  }
  return { ...base, kernel: f.depthwiseKernel!, pointwise, dilated: false, depthwise: true, conv: { ...dw, attrs, gradAttrs } };
}

/** The node of one layer (ins and out set by the caller), or why it is not taken. */
function nodeOf(layer: tf.layers.Layer, name: string, inShapes: number[][], last: boolean): CnnNode | string {
  const { layerNorm, prelu, leaky, noise } = ourClasses();
  const { spatialDropout, globalMax } = moreClasses();
  const rank = inShapes[0].length;
  const base = { ins: [] as number[], out: 0, layer };
  if (last) {
    const f = layer as unknown as { kernel?: LayerVar; bias?: LayerVar | null; activation?: { getClassName(): string } };
    if (name !== 'Dense' || !isTrainingDense(layer) || f.activation?.getClassName() !== 'softmax' || rank !== 1) return 'the output is not this app\'s Dense softmax';
    return { ...base, kind: 'dense', kernel: f.kernel!, bias: f.bias ?? null, relu: false };
  }
  if (name === 'Add' || name === 'Concatenate') {
    if (inShapes.length < 2 || inShapes.some((s) => s.length !== rank || (rank !== 1 && rank !== 3))) return `${name} ${layer.name}: not over NHWC or [n, features] tensors of one rank`;
    if (name === 'Add' && inShapes.some((s) => s.join() !== inShapes[0].join())) return `Add ${layer.name}: inputs of different shapes`;
    if (name === 'Concatenate' && ((layer as unknown as { axis: number }).axis !== -1 || inShapes.some((s) => s.slice(0, -1).join() !== inShapes[0].slice(0, -1).join()))) {
      return `Concatenate ${layer.name}: not over the last axis`;
    }
    return { ...base, kind: name === 'Add' ? 'add' : 'concat' };
  }
  if (inShapes.length !== 1) return `layer ${layer.name} has ${inShapes.length} inputs`;
  // Image layers read NHWC tensors, Dense a [n, features] one; the element-wise and normalising layers either.
  const want = IMAGE_LAYERS.has(name) ? [3] : name === 'Dense' ? [1] : [1, 3];
  if (!want.includes(rank)) return `layer ${layer.name} (${name}) reads a tensor of rank ${rank + 1}`;
  const f = layer as unknown as ConvFields;
  switch (name) {
    case 'GaussianNoise': {
      if (!isA(layer, noise)) return `GaussianNoise ${layer.name} is not this app's (seeded)`;
      const l = layer as unknown as NoiseLayer;
      return l.stddev > 0 ? { ...base, kind: 'noise', noise: l } : { ...base, kind: 'identity' };
    }
    case 'Flatten':
      return { ...base, kind: 'flatten' };
    case 'Dropout': {
      const d = asSeededDropout(layer);
      if (d == null) return `Dropout ${layer.name} is not this app's (seeded)`;
      return d.maskRate > 0 && d.maskRate < 1 ? { ...base, kind: 'dropout', drop: d, keep: Math.fround(1 - d.maskRate) } : { ...base, kind: 'identity' };
    }
    case 'Dense': {
      const d = layer as unknown as { kernel?: LayerVar; bias?: LayerVar | null; activation?: { getClassName(): string } };
      const act = d.activation?.getClassName();
      if (!isTrainingDense(layer) || (act !== 'relu' && act !== 'linear')) return `Dense ${layer.name}: not this app's relu or linear Dense`;
      return { ...base, kind: 'dense', kernel: d.kernel!, bias: d.bias ?? null, relu: act === 'relu' };
    }
    case 'BatchNormalization': {
      const bn = asFusedBatchNorm(layer, rank + 1);
      if (bn == null) return `BatchNormalization ${layer.name}: not this app's, over the last axis with gamma and beta`;
      return { ...base, kind: 'batchNorm', bn };
    }
    case 'GlobalAveragePooling2D':
      if (!isFusedGap(layer) || (layer as unknown as { dataFormat?: string }).dataFormat !== 'channelsLast') return `GlobalAveragePooling2D ${layer.name} is not this app's channels-last one`;
      return { ...base, kind: 'globalAvg' };
    case 'SpatialDropout2D': {
      if (!isA(layer, spatialDropout)) return `SpatialDropout2D ${layer.name} is not this app's`;
      const d = layer as unknown as SpatialDropoutLayer;
      return d.rate > 0 && d.rate < 1 ? { ...base, kind: 'spatialDropout', drop: d } : { ...base, kind: 'identity' };
    }
    case 'Conv2D': {
      if (!isFusedConv2d(layer)) return spatialConv(layer, name);
      const act = f.activation.getClassName();
      if (pair(f.dilationRate).some((d) => d !== 1) || f.dataFormat !== 'channelsLast' || (f.padding !== 'same' && f.padding !== 'valid')
        || (act !== 'relu' && act !== 'linear')) return `Conv2D ${layer.name}: not a relu or linear undilated channels-last conv`;
      return { ...base, kind: 'conv', kernel: f.kernel!, bias: f.bias ?? null, attrs: { strides: f.strides, pad: f.padding, activation: act } };
    }
    case 'DepthwiseConv2D':
    case 'SeparableConv2D':
      return spatialConv(layer, name);
    case 'ZeroPadding2D': {
      const p = (layer as unknown as { padding: [[number, number], [number, number]]; dataFormat: string });
      if (p.dataFormat !== 'channelsLast') return `ZeroPadding2D ${layer.name}: not channels-last`;
      return { ...base, kind: 'pad', paddings: [[0, 0], [...p.padding[0]], [...p.padding[1]], [0, 0]] };
    }
    case 'LeakyReLU':
      if (!isA(layer, leaky)) return `LeakyReLU ${layer.name} is not this app's`;
      return { ...base, kind: 'leaky', alpha: (layer as unknown as { alpha: number }).alpha };
    case 'PReLU': {
      const alpha = (layer as unknown as { alpha: LayerVar }).alpha;
      if (!isA(layer, prelu) || preluPeriod([1, ...inShapes[0]], alpha.read().shape) == null) return `PReLU ${layer.name}: not this app's or alpha not periodic`;
      return { ...base, kind: 'prelu', alpha };
    }
    case 'MaxPooling2D': {
      const p = maxPoolFieldsOf(layer);
      if (p == null || p.dataFormat !== 'channelsLast' || (p.padding !== 'same' && p.padding !== 'valid')) return `MaxPooling2D ${layer.name}: not this app's channels-last pool`;
      return { ...base, kind: 'maxPool', attrs: { filterSize: p.poolSize, strides: p.strides, pad: p.padding }, reluConv: null };
    }
    case 'LayerNormalization': {
      const l = layer as unknown as { axis: number[]; epsilon: number; gamma: LayerVar | null; beta: LayerVar | null };
      // The layer's fused kernels run only for its last axis named as rank − 1 (layerNorm.ts; `rank` here is per sample), with gamma and beta.
      if (!isA(layer, layerNorm) || l.axis.length !== 1 || l.axis[0] !== rank || l.gamma == null || l.beta == null) return `LayerNormalization ${layer.name}: not over the last axis with gamma and beta`;
      return { ...base, kind: 'layerNorm', gamma: l.gamma, beta: l.beta, epsilon: l.epsilon };
    }
    case 'GlobalMaxPooling2D':
      if (!isA(layer, globalMax) || (layer as unknown as { dataFormat?: string }).dataFormat === 'channelsFirst') return `GlobalMaxPooling2D ${layer.name} is not this app's`;
      return { ...base, kind: 'globalMax' };
    default:
      return `layer ${layer.name}: ${name} is not in the fused graph CNN plan`;
  }
}

/** The per-sample output shape of a node from its inputs' (the layer's own computeOutputShape, batch dropped). */
function outShape(layer: tf.layers.Layer, inShapes: number[][]): number[] {
  const withBatch = inShapes.map((s) => [null, ...s]);
  const out = layer.computeOutputShape(withBatch.length === 1 ? withBatch[0] : withBatch) as Array<number | null>;
  return out.slice(1) as number[];
}

/**
 * The plan for `model`, or why it is not taken (the other steps then). Takes functional models (tf.model) with one
 * [h, w, c] input and one output, every layer applied once.
 */
export function graphCnnPlan(model: tf.LayersModel, inputShape: readonly number[], numClasses: number): CnnGraphPlanResult {
  const no = (reason: string): CnnGraphPlanResult => ({ plan: null, reason });
  if (model instanceof tf.Sequential) return no('a Sequential model');
  if (inputShape.length !== 3) return no('not an image input');
  const m = model as unknown as { inputs: Sym[]; outputs: Sym[] };
  if (m.inputs?.length !== 1 || m.outputs?.length !== 1) return no('not a functional model with one input and one output');
  const ids = new Map<number, number>([[m.inputs[0].id, 0]]);
  const shapes: number[][] = [[...inputShape]];
  const needsGrad = [false];
  const nodes: CnnNode[] = [];
  const seen = new Set<tf.layers.Layer>();
  for (const sym of executionOrder(m.outputs[0], m.inputs[0])) {
    const layer = sym.sourceLayer;
    if (seen.has(layer) || layer.inboundNodes.length !== 1) return no(`layer ${layer.name} is applied more than once (shared weights)`);
    seen.add(layer);
    const ins = sym.inputs.map((t) => ids.get(t.id));
    if (ins.some((i) => i == null) || new Set(ins).size !== ins.length) return no(`layer ${layer.name} reads a tensor computed later, or one twice`);
    const inIdx = ins as number[];
    const last = sym.id === m.outputs[0].id;
    const node = nodeOf(layer, layer.getClassName(), inIdx.map((i) => shapes[i]), last);
    if (typeof node === 'string') return no(node);
    const producer = nodes.find((n) => n.out === inIdx[0]);
    if (node.kind === 'maxPool' && producer?.kind === 'conv' && producer.attrs.activation === 'relu'
      && (producer.layer as unknown as { outboundNodes: unknown[] }).outboundNodes.length === 1) node.reluConv = producer;
    node.ins = inIdx;
    node.out = shapes.length;
    const shape = outShape(layer, inIdx.map((i) => shapes[i]));
    if (shape.some((d) => !(d > 0))) return no(`layer ${layer.name}: output shape [${shape}]`);
    shapes.push(shape);
    const weighted = ['conv', 'spatialConv', 'prelu', 'layerNorm', 'batchNorm', 'dense'].includes(node.kind);
    needsGrad.push(weighted || inIdx.some((i) => needsGrad[i]));
    nodes.push(node);
    ids.set(sym.id, node.out);
  }
  const output = nodes.at(-1);
  if (output?.kind !== 'dense' || ids.get(m.outputs[0].id) !== output.out) return no('the output is not the last node computed');
  if (output.kernel.read().shape[1] !== numClasses) return no(`the output is not a Dense softmax over ${numClasses} classes`);
  // Without a convolution or pool it is a graph MLP (a Flatten of the input at most): fusedGraphMlp.ts's step.
  if (!nodes.some((n) => IMAGE_LAYERS.has(n.layer.getClassName()) && n.kind !== 'flatten')) return no('no convolution or pool (a graph MLP)');
  return { plan: { shapes, needsGrad, nodes }, reason: null };
}

/** The trainable variables of a node, each once, in the order its gradients come. */
export function cnnNodeVariables(n: CnnNode): tf.Variable[] {
  const v = (...l: Array<LayerVar | null>) => l.filter((x): x is LayerVar => x != null).map((x) => x.read());
  switch (n.kind) {
    case 'conv': case 'dense': return v(n.kernel, n.bias);
    case 'spatialConv': return v(n.kernel, n.pointwise, n.bias);
    case 'prelu': return v(n.alpha);
    case 'layerNorm': return v(n.gamma, n.beta);
    case 'batchNorm': return v(n.bn.gamma as unknown as LayerVar, n.bn.beta as unknown as LayerVar); // read() is the tf.Variable itself
    default: return [];
  }
}
