// One node's forward and gradient in the fused graph CNN training step (engine layer): the registered wasm kernels the
// taped step's layer records for it, run as their kernel functions on fusedGraphCnn.ts's buffers (why the bits are the
// taped step's: fusedGraphCnn.ts's header).
import * as tf from '@tensorflow/tfjs';
import { backend_util } from '@tensorflow/tfjs';
import { BATCH_NORM_GRAD, BATCH_NORM_TRAIN } from '../backend/kernels/native/BatchNorm.js';
import { BIAS_ACT_GRAD_KERNEL, CONV_LAYER_KERNEL, RELU_MASK } from '../backend/kernels/native/ConvLayer.js';
import { MAX_POOL_RELU_GRAD_KERNEL, RELU_MAX_POOL_KERNEL, reluMaxPoolGeometry, type ReluMaxPoolAttrs } from '../backend/kernels/native/ConvPool.js';
import { aleaState, DROPOUT_KERNEL } from '../backend/kernels/native/Dropout.js';
import { BIAS_RELU, GAUSSIAN_NOISE, GLOBAL_MAX_GRAD, LEAKY_RELU_GRAD, PRELU_GRAD } from '../backend/kernels/native/GraphOps.js';
import { LAYER_NORM, LAYER_NORM_GRAD } from '../backend/kernels/native/LayerNorm.js';
import { fusedPoolEnabled } from '../models/poolLayer.js';
import type { HeapScope } from './fusedGraphMlp.js';
import type { CnnNode } from './fusedGraphCnnPlan.js';

export type Info = tf.TensorInfo;
export type Kernel = (name: string, inputs: Record<string, Info> | Info[], attrs?: object) => Info[];

/** What a node's gradient reads of its forward beyond its inputs and output (a separable's depthwise output, the statistics, the mask). */
export type Kept = Map<CnnNode, Info[]>;

/** A float32 scalar holding v (as tfjs makes a number operand into a tensor). */
function scalar(s: HeapScope, v: number): Info {
  const t = s.own(s.backend.makeOutput([], 'float32'));
  new Float32Array(s.heap(), s.off(t), 1)[0] = v;
  return t;
}

const POINTWISE = { strides: 1, pad: 'valid', dataFormat: 'NHWC' };

/** One node's forward: its output. */
export function forwardNode(k: Kernel, s: HeapScope, nd: CnnNode, xs: Info[], kept: Kept, handed: Set<object>): Info {
  const x = xs[0];
  switch (nd.kind) {
    case 'identity': return x;
    case 'noise': {
      const seed = nd.noise.noiseSeed * 1_000_003 + nd.noise.steps++;
      return k(GAUSSIAN_NOISE, { x }, { ...aleaState(seed.toString()), mean: 0, stddev: nd.noise.stddev })[0];
    }
    case 'conv': {
      const bias = nd.bias?.read();
      return k(CONV_LAYER_KERNEL, bias ? { x, filter: nd.kernel.read(), bias } : { x, filter: nd.kernel.read() }, nd.attrs)[0];
    }
    case 'spatialConv': {
      let y = k(nd.conv.forward, { x, filter: nd.kernel.read() }, nd.conv.attrs)[0];
      if (nd.pointwise) {
        kept.set(nd, [y]);
        y = k(tf.Conv2D, { x: y, filter: nd.pointwise.read() }, { ...POINTWISE, dilations: [1, 1], dimRoundingMode: undefined })[0];
      }
      return nd.bias ? k(BIAS_RELU, { x: y, bias: nd.bias.read() })[0] : y;
    }
    case 'pad': return k(tf.PadV2, { x }, { paddings: nd.paddings, constantValue: 0 })[0];
    case 'leaky': return k(tf.LeakyRelu, { x }, { alpha: nd.alpha })[0];
    case 'prelu': return k(tf.Prelu, { x, alpha: nd.alpha.read() })[0];
    case 'add': return xs.slice(1).reduce((sum, b) => k(tf.Add, { a: sum, b })[0], x);
    case 'concat': return k(tf.Concat, xs, { axis: -1 })[0];
    case 'maxPool':
      // After a relu conv with no other consumer, poolLayer.ts's fused pool where it applies (decided here, once a step).
      if (nd.reluConv && fusedPoolEnabled() && [RELU_MAX_POOL_KERNEL, MAX_POOL_RELU_GRAD_KERNEL].every((name) => tf.getKernel(name, 'wasm') != null)
        && reluMaxPoolGeometry(x, nd.attrs as ReluMaxPoolAttrs) != null) {
        kept.set(nd, []);
        return k(RELU_MAX_POOL_KERNEL, { x }, nd.attrs)[0];
      }
      return k(tf.MaxPool, { x }, { ...nd.attrs, dimRoundingMode: undefined })[0];
    case 'layerNorm': {
      const [y, mean, rstd] = k(LAYER_NORM, { x, gamma: nd.gamma.read(), beta: nd.beta.read() }, { epsilon: nd.epsilon });
      kept.set(nd, [mean, rstd]);
      return y;
    }
    case 'spatialDropout': {
      // tf.dropout(x, rate, [n, 1, 1, c], seed): mul(x, div(floor(add(randomUniform(shape, 0, 1, 'float32', seed), keep)), keep)).
      const [n, , , c] = x.shape;
      const seed = `${nd.drop.maskSeed}:${nd.drop.steps++}`;
      const keep = scalar(s, 1 - nd.drop.rate);
      const uniform = tf.randomUniform([n, 1, 1, c], 0, 1, 'float32', seed);
      try {
        const mask = k(tf.RealDiv, { a: k(tf.Floor, { x: k(tf.Add, { a: uniform, b: keep })[0] })[0], b: keep }, {})[0];
        kept.set(nd, [mask]);
        return k(tf.Multiply, { a: x, b: mask })[0];
      } finally {
        uniform.dispose();
      }
    }
    case 'globalMax': return k(tf.Max, { x }, { reductionIndices: [1, 2], keepDims: false })[0];
    case 'dense': {
      const bias = nd.bias?.read();
      const operands: Record<string, Info> = bias ? { a: x, b: nd.kernel.read(), bias } : { a: x, b: nd.kernel.read() };
      return k(tf._FusedMatMul, operands, { transposeA: false, transposeB: false, activation: nd.relu ? 'relu' : 'linear' })[0];
    }
    case 'dropout': {
      const [y, mask] = k(DROPOUT_KERNEL, { x }, { ...aleaState(nd.drop.nextMaskSeed()), keep: nd.keep });
      kept.set(nd, [mask]);
      return y;
    }
    case 'flatten': return { ...x, shape: [x.shape[0], x.shape.slice(1).reduce((a, b) => a * b, 1)] };
    case 'globalAvg': return k(tf.Mean, { x }, { axis: [1, 2], keepDims: false })[0];
    case 'batchNorm': {
      const f = nd.bn;
      const [y, mean, variance, newMean, newVariance] = k(BATCH_NORM_TRAIN, {
        x, gamma: f.gamma!.read(), beta: f.beta!.read(), movingMean: f.movingMean.read(), movingVariance: f.movingVariance.read(),
      }, { epsilon: f.epsilon, momentum: f.momentum });
      kept.set(nd, [mean, variance]);
      // The new moving statistics become the layer's, as its call writes them (their buffers go to the engine).
      for (const [t, v] of [[newMean, f.movingMean], [newVariance, f.movingVariance]] as const) {
        handed.add(t.dataId);
        const tensor = tf.engine().makeTensorFromTensorInfo(t) as tf.Tensor;
        v.write(tensor);
        tensor.dispose();
      }
      return y;
    }
  }
}

/** One node's gradients from dy: its variables' (in cnnNodeVariables' order) and, by `give`, its inputs'. */
export function backwardNode(k: Kernel, s: HeapScope, nd: CnnNode, dy: Info, xs: Info[], y: Info, kept: Kept, wants: boolean[], give: (j: number, g: Info) => void): Info[] {
  const x = xs[0];
  const relu = () => k(BIAS_ACT_GRAD_KERNEL, { dy, x: y, y }, { fn: RELU_MASK, bias: true });
  switch (nd.kind) {
    case 'identity': case 'noise':
      if (wants[0]) give(0, dy);
      return [];
    case 'conv': {
      const pooled = kept.get(nd)?.[0]; // the bias gradient from a fused pool's gradient, whose dz is dy
      const [dz, db] = pooled ? [dy, pooled] : nd.attrs.activation === 'relu' ? relu() : [dy, null];
      const attrs = { strides: nd.attrs.strides, pad: nd.attrs.pad, dataFormat: 'NHWC' };
      const filter = nd.kernel.read();
      if (wants[0]) give(0, k(tf.Conv2DBackpropInput, { dy: dz, filter }, { ...attrs, inputShape: x.shape })[0]);
      const dW = k(tf.Conv2DBackpropFilter, { x, dy: dz }, { ...attrs, filterShape: filter.shape })[0];
      if (nd.bias == null) return [dW];
      return [dW, db ?? k(tf.Sum, { x: dz }, { axis: [0, 1, 2], keepDims: false })[0]];
    }
    case 'spatialConv': {
      const [dz, db] = nd.bias ? relu() : [dy, null];
      const out: Info[] = [];
      let dMid = dz;
      if (nd.pointwise) {
        const [mid] = kept.get(nd)!;
        const pw = nd.pointwise.read();
        dMid = k(tf.Conv2DBackpropInput, { dy: dz, filter: pw }, { ...POINTWISE, dimRoundingMode: undefined, inputShape: mid.shape })[0];
        out.push(k(tf.Conv2DBackpropFilter, { x: mid, dy: dz }, { ...POINTWISE, dimRoundingMode: undefined, filterShape: pw.shape })[0]);
      }
      const filter = nd.kernel.read();
      if (wants[0]) give(0, k(nd.conv.inputGrad, { dy: dMid, filter }, { ...nd.conv.gradAttrs, inputShape: x.shape })[0]);
      out.unshift(k(nd.conv.filterGrad, { x, dy: dMid }, { ...nd.conv.gradAttrs, filterShape: filter.shape })[0]);
      return db ? [...out, db] : out;
    }
    case 'pad':
      if (wants[0]) give(0, k(tf.Slice, { x: dy }, { begin: nd.paddings.map((p) => p[0]), size: x.shape })[0]);
      return [];
    case 'leaky':
      if (wants[0]) give(0, k(LEAKY_RELU_GRAD, { x, dy }, { alpha: nd.alpha })[0]);
      return [];
    case 'prelu': {
      const alpha = nd.alpha.read();
      const [dx, terms] = k(PRELU_GRAD, { x, dy, alpha });
      const axes = backend_util.getReductionAxes(alpha.shape, dy.shape);
      const da = axes.length > 0 ? k(tf.Sum, { x: terms }, { axis: axes, keepDims: false })[0] : terms;
      if (wants[0]) give(0, dx);
      return [{ ...da, shape: alpha.shape }];
    }
    case 'add':
      for (let j = xs.length - 1; j >= 0; j--) if (wants[j]) give(j, dy);
      return [];
    case 'concat': {
      if (!wants.some(Boolean)) return [];
      const axis = dy.shape.length - 1;
      const parts = k(tf.SplitV, { x: dy }, { numOrSizeSplits: xs.map((t) => t.shape[axis]), axis });
      parts.forEach((p, j) => wants[j] && give(j, p));
      return [];
    }
    case 'maxPool':
      if (kept.has(nd)) {
        // dz (relu's mask applied) for the conv, and its bias gradient, which its own gradient then takes (pooledBiasGradient).
        const [dz, db] = k(MAX_POOL_RELU_GRAD_KERNEL, { dy, y: x }, nd.attrs);
        kept.set(nd.reluConv!, [db]);
        give(0, dz);
      } else if (wants[0]) {
        give(0, k(tf.MaxPoolGrad, { dy, input: x, output: y }, { ...nd.attrs, dimRoundingMode: undefined })[0]);
      }
      return [];
    case 'layerNorm': {
      const [mean, rstd] = kept.get(nd)!;
      const [dx, dg, dbeta] = k(LAYER_NORM_GRAD, { x, dy, mean, rstd, gamma: nd.gamma.read() }, { hasGamma: true, hasBeta: true });
      if (wants[0]) give(0, dx);
      return [dg, dbeta];
    }
    case 'spatialDropout':
      if (wants[0]) give(0, k(tf.Multiply, { a: dy, b: kept.get(nd)![0] })[0]);
      return [];
    case 'globalMax':
      if (wants[0]) give(0, k(GLOBAL_MAX_GRAD, { x, y, dy })[0]);
      return [];
    case 'dense': {
      const kernel = nd.kernel.read();
      const [dz, db] = nd.relu ? relu() : [dy, null];
      if (wants[0]) give(0, k(tf.BatchMatMul, { a: dz, b: kernel }, { transposeA: false, transposeB: true })[0]);
      const dW = k(tf.BatchMatMul, { a: x, b: dz }, { transposeA: true, transposeB: false })[0];
      return nd.bias ? [dW, db ?? k(tf.Sum, { x: dz }, { axis: 0, keepDims: false })[0]] : [dW];
    }
    case 'dropout':
      if (wants[0]) give(0, k(tf.Multiply, { a: dy, b: kept.get(nd)![0] })[0]);
      return [];
    case 'flatten':
      if (wants[0]) give(0, { ...dy, shape: x.shape });
      return [];
    case 'batchNorm': {
      const [mean, variance] = kept.get(nd)!;
      const [dx, dg, db] = k(BATCH_NORM_GRAD, { x, dy, mean, variance, gamma: nd.bn.gamma!.read() }, { epsilon: nd.bn.epsilon });
      if (wants[0]) give(0, dx);
      return [dg, db];
    }
    case 'globalAvg': {
      // gapLayer.ts's gradient: tile(reshape(div(dy, h·w), [n, 1, 1, c]), [1, h, w, 1]).
      if (!wants[0]) return [];
      const [n, h, w, c] = x.shape;
      const divided = k(tf.RealDiv, { a: dy, b: scalar(s, h * w) }, {})[0];
      give(0, k(tf.Tile, { x: { ...divided, shape: [n, 1, 1, c] } }, { reps: [1, h, w, 1] })[0]);
      return [];
    }
  }
}
