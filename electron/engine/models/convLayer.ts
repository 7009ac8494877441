// Model layer: tfjs's Conv2D whose training step runs as one native convolution with bias and activation, and one
// native pass for the activation and bias gradients (wasm + addon); elsewhere, and with WORKBENCH_FUSED_CONV=0, tfjs's own.
import * as tf from '@tensorflow/tfjs';
import { NATIVE_ACTIVATIONS } from '../backend/kernels/native/Activation.js';
import {
  BIAS_ACT_GRAD_KERNEL, CONV_LAYER_KERNEL, convLayerGeometry, LAYER_ACTIVATION_KERNEL, RELU_MASK,
  type BiasActGradAttrs, type ConvLayerAttrs,
} from '../backend/kernels/native/ConvLayer.js';
import { markReluOutput, maxPoolFieldsOf, pooledBiasGradient } from './poolLayer.js';
import { handRelu6ToPool, relu6PooledBias } from './relu6Pool.js';

type ConvArgs = Parameters<typeof tf.layers.conv2d>[0];
type Kwargs = Parameters<tf.layers.Layer['call']>[1];
type Inputs = Parameters<tf.layers.Layer['call']>[0];
interface ConvFields {
  kernel: tf.LayerVariable;
  bias: tf.LayerVariable | null;
  strides: [number, number];
  padding: string;
  dataFormat: string;
  dilationRate: number | number[];
  activation: { getClassName(): string };
}

/** Training calls that took the fused path, since the process started (tests prove the path ran with it). */
export const fusedConvCalls = { forward: 0 };

/** WORKBENCH_FUSED_CONV=0 keeps tfjs's taped ops (read at every call, so a test or a bench can switch it). */
export const fusedConvEnabled = (): boolean => process.env.WORKBENCH_FUSED_CONV !== '0';

function available(): boolean {
  const b = tf.getBackend();
  return b === 'wasm' && tf.getKernel(CONV_LAYER_KERNEL, b) != null && tf.getKernel(BIAS_ACT_GRAD_KERNEL, b) != null
    && tf.getKernel(LAYER_ACTIVATION_KERNEL, b) != null;
}

/** Column sums of dz over every axis but the last, handed from an activation's gradient to its convolution's (by dz). */
const biasGradients = new WeakMap<tf.Tensor, tf.Tensor>();

const convAttrs = (a: ConvLayerAttrs) => ({ strides: a.strides, pad: a.pad, dataFormat: 'NHWC' });
const leading = (t: tf.Tensor) => t.shape.slice(0, -1).map((_, i) => i);

/**
 * The gradients tfjs's autodiff computes for conv2d → add(bias) → relu (or FusedConv2D for linear), with the same
 * kernels in the same order of float operations: dz = dy · step(y) (relu, here from the output: step(y) = step(z)
 * for relu), db = Sum(dz) over n, h, w; dx and dW by the Conv2DBackprop kernels. Only the gradients the tape asks
 * for run (a first layer's dx is not computed). Under a separate layer activation, its gradient already summed db.
 */
function registerGradients(): void {
  if (tf.getGradient(CONV_LAYER_KERNEL) != null) return;
  tf.registerGradient({
    kernelName: CONV_LAYER_KERNEL,
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, y] = saved;
      const a = attrs as unknown as ConvLayerAttrs;
      const g = dy as tf.Tensor;
      let dz = g;
      let db: tf.Tensor | null = null;
      // Under a fused max pool (poolLayer.ts) its gradient already applied relu's mask and summed db.
      const pooled = a.activation === 'relu' ? pooledBiasGradient(g) : undefined;
      if (pooled) db = pooled;
      else if (a.activation === 'relu') {
        [dz, db] = tf.engine().runKernel(BIAS_ACT_GRAD_KERNEL, { dy: g, x: y, y },
          { fn: RELU_MASK, bias: true } satisfies BiasActGradAttrs as never) as tf.Tensor[];
      }
      return {
        x: () => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: dz, filter }, { ...convAttrs(a), inputShape: x.shape }) as tf.Tensor,
        filter: () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy: dz }, { ...convAttrs(a), filterShape: filter.shape }) as tf.Tensor,
        bias: () => db ?? biasGradients.get(dz) ?? relu6PooledBias(dz) ?? tf.sum(dz, leading(dz)),
      };
    },
  });
  tf.registerGradient({
    kernelName: LAYER_ACTIVATION_KERNEL,
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, y] = saved;
      const { fn, bias } = attrs as unknown as { fn: number; bias: boolean };
      const out = tf.engine().runKernel(BIAS_ACT_GRAD_KERNEL, { dy: dy as tf.Tensor, x, y }, { fn, bias } satisfies BiasActGradAttrs as never) as tf.Tensor[];
      if (out[1]) biasGradients.set(out[0], out[1]);
      return { x: () => out[0] };
    },
  });
}

interface Plan {
  attrs: ConvLayerAttrs;
  /** The separate layer activation's native number, or null (relu and linear run in the convolution's epilogue). */
  fn: number | null;
}

/** How the fused path runs this call, or null when it does not apply (the caller runs tfjs's own call). */
function plan(self: ConvFields, x: tf.Tensor): Plan | null {
  const name = self.activation.getClassName();
  const fn = name === 'relu' || name === 'linear' ? null : NATIVE_ACTIVATIONS[name];
  if (fn === undefined) return null;
  const rate = typeof self.dilationRate === 'number' ? [self.dilationRate] : self.dilationRate;
  const pad = self.padding;
  if (!rate.every((d) => d === 1) || self.dataFormat !== 'channelsLast' || (pad !== 'same' && pad !== 'valid')) return null;
  if (x.dtype !== 'float32' || convLayerGeometry(x.shape, self.kernel.read().shape, self.strides, pad) == null) return null;
  return { attrs: { strides: self.strides, pad, activation: name === 'relu' ? 'relu' : 'linear' }, fn };
}

/**
 * The layer's training forward: the native convolution with the bias (and relu) in its epilogue, then, for another
 * native activation, that activation as a recorded kernel whose gradient also sums the bias gradient.
 */
function fusedCall(self: ConvFields, x: tf.Tensor, { attrs, fn }: Plan): tf.Tensor {
  const layer = self as unknown as { outboundNodes: unknown[] };
  const filter = self.kernel.read();
  const bias = self.bias?.read() ?? null;
  const inputs: tf.NamedTensorMap = bias ? { x, filter, bias } : { x, filter };
  const z = tf.engine().runKernel(CONV_LAYER_KERNEL, inputs as never, attrs as never) as tf.Tensor;
  fusedConvCalls.forward++;
  if (attrs.activation === 'relu') markReluOutput(z, layer);
  if (fn === null) return z;
  // relu6 into an overlapping-capable max pool (relu6Pool.ts): the pool applies relu6 in its own pass.
  if (handRelu6ToPool(layer, fn, z, maxPoolFieldsOf)) return z;
  return tf.engine().runKernel(LAYER_ACTIVATION_KERNEL, { x: z }, { fn, bias: bias != null } as never) as tf.Tensor;
}

let FusedConv2D: (new (args: ConvArgs) => tf.layers.Layer) | null = null;

/**
 * A Conv2D layer (same class name and config as tfjs's, so a saved model is a plain Conv2D). Training calls take the
 * fused path where it applies; inference and everything else is tfjs's own call, FusedConv2D included.
 */
export function fusedConv2d(args: ConvArgs): tf.layers.Layer {
  if (!FusedConv2D) {
    registerGradients();
    // The package exports only the factory; the class comes from an instance (of whichever tfjs copy is loaded).
    const Base = Object.getPrototypeOf(tf.layers.conv2d({ filters: 1, kernelSize: 1, name: 'fused_conv_probe' })).constructor as new (a: ConvArgs) => tf.layers.Layer;
    FusedConv2D = class extends Base {
      override call(inputs: Inputs, kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
        if (kwargs?.training === true && fusedConvEnabled() && available()) {
          const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
          const self = this as unknown as ConvFields;
          const p = plan(self, x);
          if (p) return tf.tidy(() => fusedCall(self, x, p));
        }
        return super.call(inputs, kwargs);
      }
    };
  }
  return new FusedConv2D(args);
}

/** A Conv2D built by fusedConv2d (inference is tfjs's Conv2D call): the fused CNN inference (train/fusedCnnPlan.ts) runs it. */
export function isFusedConv2d(layer: tf.layers.Layer): boolean {
  return FusedConv2D != null && layer instanceof FusedConv2D;
}
