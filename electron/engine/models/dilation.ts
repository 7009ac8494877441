// Engine layer: dilated Conv2D, DepthwiseConv2D and SeparableConv2D that train on every backend (tfjs's gradients refuse dilation > 1).
import * as tf from '@tensorflow/tfjs';
import { dilateCopyAvailable, dilateKernelCopy } from './dilateCopy.js';
import { dilatedDepthwise, dilatedDepthwiseAvailable } from './dilatedDepthwise.js';
import { dilatedConv, dilatedConvAvailable } from './dilatedConv.js';
import { biasRelu, biasReluAvailable, biasReluKernels } from './biasRelu.js';

type Kwargs = Parameters<tf.layers.Layer['call']>[1];
type Inputs = Parameters<tf.layers.Layer['call']>[0];

/**
 * The kernel of a dilated convolution written out with its holes: [(kh−1)·dh+1, (kw−1)·dw+1, a, b], zeros between the
 * taps. A convolution with it at dilation 1 is the dilated convolution (the same sums, plus products with zero), and it
 * is made of reshape, pad and slice, whose gradients every backend has; the dense convolution then takes the native
 * kernels. Rank-4 steps only, as the wasm kernels want.
 */
export function dilateKernel(kernel: tf.Tensor, rate: [number, number]): tf.Tensor4D {
  if (dilateCopyAvailable(kernel)) return dilateKernelCopy(kernel, rate);
  const [kh, kw, a, b] = kernel.shape as [number, number, number, number];
  const [dh, dw] = rate;
  const rows = (kh - 1) * dh + 1;
  const cols = (kw - 1) * dw + 1;
  let t = tf.reshape(kernel, [kh, 1, kw * a * b]);
  t = tf.pad(t, [[0, 0], [0, dh - 1], [0, 0]]);
  t = tf.slice(tf.reshape(t, [kh * dh, kw, a * b]), [0, 0, 0], [rows, kw, a * b]);
  t = tf.pad(tf.reshape(t, [rows, kw, 1, a * b]), [[0, 0], [0, 0], [0, dw - 1], [0, 0]]);
  t = tf.slice(tf.reshape(t, [rows, kw * dw, a * b]), [0, 0, 0], [rows, cols, a * b]);
  return tf.reshape(t, [rows, cols, a, b]) as tf.Tensor4D;
}

interface ConvFields {
  kernel?: tf.LayerVariable;
  depthwiseKernel?: tf.LayerVariable;
  pointwiseKernel?: tf.LayerVariable;
  bias?: tf.LayerVariable | null;
  strides: [number, number];
  padding: 'valid' | 'same';
  dilationRate: number | [number, number];
  activation: { apply(x: tf.Tensor): tf.Tensor; getClassName?(): string };
  dataFormat?: string;
}

type Kind = 'conv' | 'depthwise' | 'separable';
const pairOf = (v: number | number[]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1] ?? v[0]]);

/** The convolution of the layer's call, before bias and activation: at its dilation, however this backend runs it best. */
function convolve(kind: Kind, self: ConvFields, x: tf.Tensor4D): tf.Tensor {
  const rate = pairOf(self.dilationRate);
  const strides = self.strides;
  if (rate[0] === 1 && rate[1] === 1) {
    // tfjs's own layer calls, channels last (the only format that reaches here).
    if (kind === 'depthwise') return tf.depthwiseConv2d(x, self.depthwiseKernel!.read() as tf.Tensor4D, strides, self.padding, 'NHWC', [1, 1]);
    if (kind === 'separable') {
      return tf.separableConv2d(x, self.depthwiseKernel!.read() as tf.Tensor4D, self.pointwiseKernel!.read() as tf.Tensor4D, strides,
        self.padding, [1, 1], 'NHWC');
    }
  }
  if (kind === 'conv') {
    if (dilatedConvAvailable(x, self.kernel!.read())) return dilatedConv(x, self.kernel!.read() as tf.Tensor4D, strides, self.padding, rate);
    return tf.conv2d(x, dilateKernel(self.kernel!.read(), rate), strides, self.padding);
  }
  if (dilatedDepthwiseAvailable(x, self.depthwiseKernel!.read())) {
    const y = dilatedDepthwise(x, self.depthwiseKernel!.read() as tf.Tensor4D, strides, self.padding, rate);
    return kind === 'separable' ? tf.conv2d(y, self.pointwiseKernel!.read() as tf.Tensor4D, 1, 'valid') : y;
  }
  if (kind === 'depthwise') return tf.depthwiseConv2d(x, dilateKernel(self.depthwiseKernel!.read(), rate), strides, self.padding);
  return tf.separableConv2d(x, dilateKernel(self.depthwiseKernel!.read(), rate), self.pointwiseKernel!.read() as tf.Tensor4D, strides, self.padding);
}

function dilatedCall(kind: Kind, self: ConvFields, x: tf.Tensor4D, kwargs: Kwargs): tf.Tensor {
  const y = convolve(kind, self, x);
  const bias = self.bias?.read() ?? null;
  if (bias && fusedBiasRelu(self, kwargs) && biasReluAvailable(y, bias)) return biasRelu(y, bias);
  return self.activation.apply(bias ? tf.add(y, bias) : y);
}

const isRelu = (self: ConvFields) => self.activation.getClassName?.() === 'relu';

/**
 * A training call whose bias and relu may take the fused pass (biasRelu.ts; it checks the output's shape): channels
 * last, a bias, relu, rank 4. Others, and inference, keep tfjs's own call at rate 1 and the plain ops when dilated.
 */
function fusedBiasRelu(self: ConvFields, kwargs: Kwargs, x?: tf.Tensor): boolean {
  return kwargs?.training === true && self.bias != null && isRelu(self) && self.dataFormat === 'channelsLast'
    && (x == null || (x.rank === 4 && x.dtype === 'float32')) && biasReluKernels();
}

const classes = new Map<Kind, new (args: never) => tf.layers.Layer>();
const FACTORIES: Record<Kind, (args: never) => tf.layers.Layer> = {
  conv: tf.layers.conv2d as never,
  depthwise: tf.layers.depthwiseConv2d as never,
  separable: tf.layers.separableConv2d as never,
};

/** Keras's output length of a dilated window (tfjs's DepthwiseConv2D leaves the dilation out of its output shape). */
function outLength(n: number | null, k: number, s: number, d: number, padding: string): number | null {
  if (n === null) return null;
  const eff = (k - 1) * d + 1;
  return padding === 'same' ? Math.ceil(n / s) : Math.ceil((n - eff + 1) / s);
}

/**
 * The layer class of `kind` whose call, when the dilation rate is above 1, convolves with the dilated kernel (and
 * otherwise is tfjs's own). Its class name and config stay tfjs's, so a saved model is a plain tfjs model.
 */
export function dilatedClass(kind: Kind): new (args: never) => tf.layers.Layer {
  let Cls = classes.get(kind);
  if (!Cls) {
    const probe = FACTORIES[kind]({ filters: 1, kernelSize: 1, name: `dilation_probe_${kind}` } as never);
    const Base = Object.getPrototypeOf(probe).constructor as new (a: never) => tf.layers.Layer;
    Cls = class extends Base {
      override call(inputs: Inputs, kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
        const self = this as unknown as ConvFields;
        const rate = pairOf(self.dilationRate);
        const x0 = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
        if (rate[0] === 1 && rate[1] === 1 && !fusedBiasRelu(self, kwargs, x0)) return super.call(inputs, kwargs);
        return tf.tidy(() => {
          this.invokeCallHook(inputs, kwargs);
          const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
          return dilatedCall(kind, self, x, kwargs);
        });
      }

      override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
        const shape = super.computeOutputShape(inputShape) as tf.Shape;
        if (kind !== 'depthwise') return shape;
        const self = this as unknown as ConvFields & { kernelSize: number[] };
        const [dh, dw] = pairOf(self.dilationRate);
        const input = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
        return [shape[0], outLength(input[1], self.kernelSize[0], self.strides[0], dh, self.padding),
          outLength(input[2], self.kernelSize[1], self.strides[1], dw, self.padding), shape[3]];
      }
    } as unknown as new (args: never) => tf.layers.Layer;
    classes.set(kind, Cls);
  }
  return Cls;
}

/** `make(args)`, or the dilation-aware class when the dilation rate is above 1. */
export function withTrainableDilation<A extends { dilationRate?: number | [number, number] }>(
  kind: Kind, make: (args: A) => tf.layers.Layer, args: A,
): tf.layers.Layer {
  const rate = pairOf(args.dilationRate ?? 1);
  // Depthwise and separable layers with a bias and relu take the class at rate 1 too, for the fused bias + relu.
  const a = args as A & { activation?: unknown; useBias?: boolean };
  if (kind !== 'conv' && a.activation === 'relu' && a.useBias !== false) return new (dilatedClass(kind) as unknown as new (b: A) => tf.layers.Layer)(args);
  if (rate[0] === 1 && rate[1] === 1) return make(args);
  return new (dilatedClass(kind) as unknown as new (a: A) => tf.layers.Layer)(args);
}
