// Backend layer: every kernel the engine adds to a TensorFlow.js backend, registered in one place.
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon, NativeKernelName } from '../native/addon.js';
import { setActiveNative } from '../native/active.js';
import { nativeBatchMatMul } from './native/BatchMatMul.js';
import { nativeBatchNormGrad, nativeBatchNormTrain, nativeFusedBatchNorm, OWN_KERNELS } from './native/BatchNorm.js';
import { nativeConv2D } from './native/Conv2D.js';
import { nativeConv2DBackpropFilter } from './native/Conv2DBackpropFilter.js';
import { nativeConv2DBackpropInput } from './native/Conv2DBackpropInput.js';
import { nativeFusedConv2D } from './native/FusedConv2D.js';
import { nativeFusedMatMul } from './native/_FusedMatMul.js';
import type { Fallback } from './native/heap.js';
import { nativeMaxPool } from './native/MaxPool.js';
import { nativeMaxPoolGrad } from './native/MaxPoolGrad.js';
import { nativeSum } from './native/Sum.js';
import { nativeAdd } from './native/Add.js';
import { nativeMultiply } from './native/Multiply.js';
import { nativeRelu } from './native/Relu.js';
import { nativeStep } from './native/Step.js';
import { ACTIVATION_GRAD_KERNEL, ACTIVATION_KERNEL, nativeActivation, nativeActivationGrad, nativeElu, nativeEluGrad } from './native/Activation.js';
import { nativeAvgPool, nativeAvgPoolGrad } from './native/AvgPool.js';
import { nativeMean } from './native/Mean.js';
import { DROPOUT_KERNEL, nativeDropout } from './native/Dropout.js';
import { LAYER_NORM_KERNELS, nativeLayerNorm, nativeLayerNormGrad } from './native/LayerNorm.js';
import { nativeDepthwiseBackpropFilter, nativeDepthwiseBackpropInput, nativeDepthwiseConv2dNative } from './native/Depthwise.js';
import { nativeConcat, nativeSplitV } from './native/Concat.js';
import { nativeEqual, nativeGreater, nativeGreaterEqual, nativeLeakyRelu, nativeLess, nativeLessEqual, nativePrelu, nativeRealDiv, nativeSelect, nativeSub } from './native/Broadcast.js';
import { nativeSlice } from './native/Slice.js';
import { nativeMax, nativePadV2 } from './native/Pad.js';
import { CONV_LAYER_KERNELS, nativeBiasActGrad, nativeConvLayer, nativeLayerActivation } from './native/ConvLayer.js';
import { CONV_POOL_KERNELS, nativeMaxPoolReluGrad, nativeReluMaxPool } from './native/ConvPool.js';
import { RELU6_POOL_KERNELS, nativeMaxPoolRelu6Grad, nativeRelu6MaxPool } from './native/Relu6Pool.js';
import { GRAPH_OP_KERNELS, nativeGaussianNoise, nativeGlobalMaxGrad, nativeLeakyReluGrad, nativePreluGrad, nativeReluGrad } from './native/GraphOps.js';
import { nativeBiasRelu } from './native/GraphOps.js';
import { DILATED_CONV_KERNELS, nativeDilatedConv, nativeDilatedConvFilterGrad, nativeDilatedConvInputGrad } from './native/DilatedConv.js';
import { conv2DBackpropFilterConfig } from './wasm/Conv2DBackpropFilter.js';
import { makeBatchMatMul } from './wasm/BatchMatMul.js';
import { makeCast } from './wasm/Cast.js';
import { makeConv2DBackpropInput } from './wasm/Conv2DBackpropInput.js';
import { makeIdentity } from './wasm/Identity.js';
import { maxPoolGradConfig } from './wasm/MaxPoolGrad.js';
import { makeSum } from './wasm/Sum.js';
import { makeTile } from './wasm/Tile.js';
import { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig } from './wasm/DepthwiseConv2dBackprop.js';

/**
 * `fill` kernels supply one the backend lacks and step aside if a later tfjs ships its own;
 * `replace` kernels take over from the shipped one (a bug in it, or ours is faster; tested equal).
 * `make` receives the kernel it replaces (null if none), for the cases ours does not cover.
 */
export interface AddedKernel {
  kernelName: string;
  backendName: string;
  mode: 'fill' | 'replace';
  make(original: tf.KernelConfig | null): tf.KernelConfig;
}

const fixed = (config: tf.KernelConfig, mode: AddedKernel['mode']): AddedKernel =>
  ({ kernelName: config.kernelName, backendName: config.backendName, mode, make: () => config });

/** Pure-wasm kernels: always added to the wasm backend. */
export const ADDED_KERNELS: readonly AddedKernel[] = [
  fixed(conv2DBackpropFilterConfig, 'fill'),
  fixed(maxPoolGradConfig, 'replace'),
  { kernelName: 'Identity', backendName: 'wasm', mode: 'replace', make: makeIdentity },
  { kernelName: 'Cast', backendName: 'wasm', mode: 'replace', make: makeCast },
  { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', mode: 'replace', make: makeConv2DBackpropInput },
  { kernelName: 'BatchMatMul', backendName: 'wasm', mode: 'replace', make: makeBatchMatMul },
  { kernelName: 'Sum', backendName: 'wasm', mode: 'replace', make: makeSum },
  { kernelName: 'Tile', backendName: 'wasm', mode: 'replace', make: makeTile },
  fixed(depthwiseBackpropInputConfig, 'fill'),
  fixed(depthwiseBackpropFilterConfig, 'fill'),
];

/** Native kernels for the wasm backend (used when native/build/tfjs_native.node loads); each falls back to the kernel it replaces. */
export const NATIVE_KERNELS: ReadonlyArray<(addon: NativeAddon, fallback: Fallback) => tf.KernelConfig> = [
  nativeConv2D, nativeFusedConv2D, nativeConv2DBackpropFilter, nativeConv2DBackpropInput,
  nativeBatchMatMul, nativeFusedMatMul, nativeMaxPool, nativeMaxPoolGrad, nativeSum,
  nativeAdd, nativeMultiply, nativeRelu, nativeStep,
  nativeFusedBatchNorm, nativeBatchNormTrain, nativeBatchNormGrad,
  nativeActivation, nativeActivationGrad, nativeElu, nativeEluGrad, nativeAvgPool, nativeAvgPoolGrad, nativeMean, nativeDropout,
  nativeDepthwiseConv2dNative, nativeDepthwiseBackpropInput, nativeDepthwiseBackpropFilter, nativeConcat, nativeSplitV,
  nativeEqual, nativeGreater, nativeGreaterEqual, nativeLess, nativeLessEqual, nativeSub, nativeRealDiv, nativeSelect, nativeSlice,
  nativePrelu, nativeLeakyRelu, nativeLayerNorm, nativeLayerNormGrad,
  nativeConvLayer, nativeLayerActivation, nativeBiasActGrad,
  nativeGaussianNoise, nativeLeakyReluGrad, nativePreluGrad, nativeReluGrad, nativeGlobalMaxGrad,
  nativePadV2, nativeMax,
  nativeReluMaxPool, nativeMaxPoolReluGrad,
  nativeRelu6MaxPool, nativeMaxPoolRelu6Grad,
  nativeBiasRelu,
  nativeDilatedConv, nativeDilatedConvInputGrad, nativeDilatedConvFilterGrad,
];

/** Kernel names of our own, with no shipped kernel below them, and the addon function each needs. */
const OWN: ReadonlyMap<string, NativeKernelName> = new Map<string, NativeKernelName>([
  ...OWN_KERNELS,
  ...LAYER_NORM_KERNELS,
  ...CONV_LAYER_KERNELS,
  ...GRAPH_OP_KERNELS,
  ...CONV_POOL_KERNELS,
  ...RELU6_POOL_KERNELS,
  ...DILATED_CONV_KERNELS,
  [ACTIVATION_KERNEL, 'activation'], [ACTIVATION_GRAD_KERNEL, 'activation'], [DROPOUT_KERNEL, 'dropout'],
]);

/** The fallback of a native kernel that has no shipped one below it (our own kernel names): callers check dtypes first. */
const noFallback = (name: string): Fallback => () => {
  throw new Error(`${name}: no kernel to fall back to for these inputs (float32 only)`);
};

/** The kernel each name had before we touched it (null: none), so switching native off restores it. */
const original = new Map<string, tf.KernelConfig | null>();
const ours = new WeakSet<tf.KernelConfig>();
const made = new Map<string, tf.KernelConfig>();

function key(name: string, backend: string): string {
  return `${backend}/${name}`;
}

function remember(name: string, backend: string): void {
  const k = key(name, backend);
  if (original.has(k)) return;
  const current = tf.getKernel(name, backend);
  original.set(k, current != null && !ours.has(current) ? current : null);
}

function install(config: tf.KernelConfig): void {
  const current = tf.getKernel(config.kernelName, config.backendName);
  if (current === config) return;
  if (current != null) tf.unregisterKernel(config.kernelName, config.backendName);
  ours.add(config);
  tf.registerKernel(config);
}

function restore(name: string, backend: string): void {
  const current = tf.getKernel(name, backend);
  if (current == null || !ours.has(current)) return;
  tf.unregisterKernel(name, backend);
  const orig = original.get(key(name, backend));
  if (orig) tf.registerKernel(orig);
}

export interface RegisterOptions {
  kernels?: readonly AddedKernel[];
  /** Kernel names to leave as shipped: "Sum" (ours in any form), "wasm:Sum" or "native:Sum". For measuring what each buys. */
  skip?: ReadonlySet<string>;
}

/**
 * Brings `backendName`'s kernels to the wanted set (idempotent): our wasm kernels, plus native ones
 * when `addon` is given, or the originals back when it is not. Returns the names of the kernels now ours.
 */
export function registerAddedKernels(backendName: string, addon: NativeAddon | null = null, options: RegisterOptions = {}): string[] {
  const { kernels = ADDED_KERNELS, skip = new Set<string>() } = options;
  const wanted = new Map<string, tf.KernelConfig>();
  for (const added of kernels) {
    if (added.backendName !== backendName) continue;
    remember(added.kernelName, backendName);
    if (skip.has(added.kernelName) || skip.has(`wasm:${added.kernelName}`)) continue;
    const k = key(added.kernelName, backendName);
    const orig = original.get(k) ?? null;
    if (added.mode === 'fill' && orig != null) continue;
    let config = made.get(k);
    if (config == null) {
      config = added.make(orig);
      made.set(k, config);
    }
    wanted.set(added.kernelName, config);
  }
  if (backendName === 'wasm') {
    // For what is not a kernel (the fused optimizer update, the training Dense layer): they follow this switch.
    setActiveNative(addon);
    for (const make of NATIVE_KERNELS) {
      const probe = make(null as unknown as NativeAddon, () => []);
      remember(probe.kernelName, backendName);
      if (addon == null || skip.has(probe.kernelName) || skip.has(`native:${probe.kernelName}`)) continue;
      const k = `native:${key(probe.kernelName, backendName)}`;
      let config = made.get(k);
      if (config == null) {
        const below = wanted.get(probe.kernelName) ?? original.get(key(probe.kernelName, backendName));
        // A kernel of our own (OWN) replaces nothing: it needs only its addon function.
        const own = OWN.get(probe.kernelName);
        if (below == null && (own == null || typeof addon[own] !== 'function')) continue;
        config = make(addon, below ? below.kernelFunc as unknown as Fallback : noFallback(probe.kernelName));
        made.set(k, config);
      }
      wanted.set(probe.kernelName, config);
    }
  }
  for (const k of original.keys()) {
    const [backend, name] = [k.slice(0, k.indexOf('/')), k.slice(k.indexOf('/') + 1)];
    if (backend !== backendName) continue;
    const want = wanted.get(name);
    if (want) install(want);
    else restore(name, backend);
  }
  return [...wanted.keys()].sort();
}
