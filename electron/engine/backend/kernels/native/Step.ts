// Backend layer: Step (the relu gradient's mask) over large activations on both cores: x > 0 ? 1 : alpha, NaN kept.
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native/addon.js';
import { bigFloat, OP, runEltwise } from './eltwise.js';
import type { Fallback, KernelArgs } from './heap.js';

export function nativeStep(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { alpha } = args.attrs as unknown as tf.StepAttrs;
    return bigFloat(x) ? runEltwise(addon, args.backend, OP.step, x, null, 1, alpha ?? 0) : fallback(args);
  };
  return { kernelName: tf.Step, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
