// Memory figures of the layer kinds beyond the seed's eight (shared contract layer, pure), for estimateTrainingMemory.
import type { LayerSpec } from '../spec.js';
import { pair, product } from './geometry.js';

/** Activation tensors per output element, as ACTIVATION_TENSORS in memory.ts (the conv layers' own activation). */
const ACT: Record<string, number> = {
  linear: 0, relu: 1, relu6: 1, elu: 1, sigmoid: 1, tanh: 1, softmax: 1, softplus: 1, selu: 3, swish: 2, gelu: 5,
};

/** Tensors of output size a new layer keeps alive per sample: in training (kept for backward) or in inference. */
export function newLayerTensors(layer: LayerSpec, training: boolean): number {
  switch (layer.type) {
    case 'DepthwiseConv2D':
      return 1 + (layer.useBias ? 1 : 0) + ACT[layer.activation];
    case 'SeparableConv2D':
      // The depthwise output (counted at output size: same positions, C·m channels, close for m = 1) and the pointwise one.
      return 2 + (layer.useBias ? 1 : 0) + ACT[layer.activation];
    case 'LayerNormalization':
      return training ? 4 : 2; // mean, centred copy, variance/normalised output, scaled output
    case 'GlobalMaxPooling2D':
    case 'ZeroPadding2D':
    case 'Add':
    case 'Concatenate':
      return 1;
    case 'SpatialDropout2D':
    case 'GaussianNoise':
      return training ? 2 : 0; // the mask or noise, and the result
    case 'LeakyReLU':
    case 'PReLU':
      return training ? 2 : 1;
    default:
      return 1;
  }
}

/** Elements of the largest weight tensor of a new layer kind. */
export function newLargestWeight(layer: LayerSpec, input: readonly number[]): number {
  const c = input[input.length - 1];
  switch (layer.type) {
    case 'DepthwiseConv2D': {
      const k = pair(layer.kernelSize);
      return k[0] * k[1] * c * layer.depthMultiplier;
    }
    case 'SeparableConv2D': {
      const k = pair(layer.kernelSize);
      return Math.max(k[0] * k[1] * c * layer.depthMultiplier, c * layer.depthMultiplier * layer.filters);
    }
    case 'LayerNormalization':
      return c;
    case 'PReLU':
      return product(input.map((d, i) => (layer.sharedAxes?.includes(i + 1) ? 1 : d)));
    default:
      return 0;
  }
}
