// Backend layer: Relu over large activations on both cores (x < 0 ? 0 : x, NaN kept, as the cpu backend).
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native/addon.js';
import { bigFloat, OP, runEltwise } from './eltwise.js';
import type { Fallback, KernelArgs } from './heap.js';

export function nativeRelu(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    return bigFloat(x) ? runEltwise(addon, args.backend, OP.relu, x, null) : fallback(args);
  };
  return { kernelName: tf.Relu, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
