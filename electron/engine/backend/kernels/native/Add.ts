// Backend layer: Add of two same-shaped activations, or an activation and its bias row, on both cores.
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native/addon.js';
import { bigFloat, isRowOf, OP, runEltwise, sameShape } from './eltwise.js';
import { BC, runBroadcast } from './Broadcast.js';
import type { Fallback, KernelArgs } from './heap.js';

export function nativeAdd(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (a.dtype === 'float32' && b.dtype === 'float32') {
      if (sameShape(a, b) && bigFloat(a)) return runEltwise(addon, args.backend, OP.add, a, b);
      // Float addition commutes exactly, so a row on either side is the same sum.
      if (bigFloat(a) && isRowOf(b, a)) return runEltwise(addon, args.backend, OP.addRow, a, b, a.shape[a.shape.length - 1]);
      if (bigFloat(b) && isRowOf(a, b)) return runEltwise(addon, args.backend, OP.addRow, b, a, b.shape[b.shape.length - 1]);
      // Other shapes that broadcast (per-row, per-image, scalar terms).
      if (!sameShape(a, b)) return runBroadcast(addon, args.backend, BC.add, a, b) ?? fallback(args);
    }
    return fallback(args);
  };
  return { kernelName: tf.Add, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
