// Backend layer: every kernel the engine adds to a TensorFlow.js backend, registered in one place.
import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilterConfig } from './wasm/Conv2DBackpropFilter.js';
import { maxPoolGradConfig } from './wasm/MaxPoolGrad.js';

/**
 * `fill` kernels supply one the backend lacks and step aside if a later tfjs ships its own;
 * `replace` kernels take over from the shipped one because ours is faster (and tested equal).
 */
export interface AddedKernel {
  config: tf.KernelConfig;
  mode: 'fill' | 'replace';
}

export const ADDED_KERNELS: readonly AddedKernel[] = [
  { config: conv2DBackpropFilterConfig, mode: 'fill' },
  { config: maxPoolGradConfig, mode: 'replace' },
];

/** Registers the added kernels for `backendName` (idempotent); returns the names of those now ours. */
export function registerAddedKernels(backendName: string, kernels: readonly AddedKernel[] = ADDED_KERNELS): string[] {
  const ours: string[] = [];
  for (const { config, mode } of kernels) {
    if (config.backendName !== backendName) continue;
    const existing = tf.getKernel(config.kernelName, backendName);
    if (existing === config) {
      ours.push(config.kernelName);
      continue;
    }
    if (existing != null) {
      if (mode === 'fill') continue;
      tf.unregisterKernel(config.kernelName, backendName);
    }
    tf.registerKernel(config);
    ours.push(config.kernelName);
  }
  return ours;
}
