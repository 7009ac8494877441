// Backend layer: Multiply of two same-shaped activations (the relu gradient mask times dy) on both cores.
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native/addon.js';
import { bigFloat, OP, runEltwise, sameShape } from './eltwise.js';
import { BC, runBroadcast } from './Broadcast.js';
import type { Fallback, KernelArgs } from './heap.js';

export function nativeMultiply(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (sameShape(a, b) && bigFloat(a, b)) return runEltwise(addon, args.backend, OP.mul, a, b);
    // Shapes that broadcast (per-row, per-channel, scalar factors).
    return (sameShape(a, b) ? null : runBroadcast(addon, args.backend, BC.mul, a, b)) ?? fallback(args);
  };
  return { kernelName: tf.Multiply, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
