// Backend layer: _FusedMatMul (matmul + bias + relu/linear, elu/relu6/sigmoid as one pass after) on the wasm heap; the Dense layer's forward kernel.
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native/addon.js';
import { fusedActivationPlan, heapOf, offsetOf, withPostActivation, type Fallback, type KernelArgs } from './heap.js';
import { matMulGeometry } from './matmul-geometry.js';

export function nativeFusedMatMul(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const attrs = args.attrs as unknown as tf._FusedMatMulAttrs;
    const plan = fusedActivationPlan(attrs.activation);
    const g = a!.dtype === 'float32' && b!.dtype === 'float32' && plan != null && preluActivationWeights == null
      ? matMulGeometry(a!.shape, b!.shape, attrs.transposeA, attrs.transposeB) : null;
    const biasOk = bias == null || (bias.dtype === 'float32' && g != null && bias.shape.reduce((p, q) => p * q, 1) === g.n && bias.shape.length <= 1);
    if (g == null || !biasOk) return fallback(args);
    return withPostActivation(addon, backend, [...g.outShape], plan!.post, (out) => addon.matmul(heapOf(backend), Float64Array.of(
      offsetOf(backend, a!), offsetOf(backend, b!), offsetOf(backend, out), bias ? offsetOf(backend, bias) : -1, plan!.epilogue,
      g.batch, g.batchA, g.batchB, g.m, g.n, g.k, attrs.transposeA ? 1 : 0, attrs.transposeB ? 1 : 0)));
  };
  return { kernelName: tf._FusedMatMul, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
