// Helpers every layer kind's shape rule uses (shared contract layer, pure): outcomes, the image check, sliding windows.
import type { LayerSpec } from '../spec.js';
import { dimsText, isImage, windowOutput, type Shape } from './geometry.js';
import type { InferOutcome, KindIssue, LayerContext } from './layerKinds.js';

export const ok = (outputShape: number[], params = 0, trainable = params): InferOutcome => ({ ok: true, out: { outputShape, params, trainable } });

/** Layers that turn a feature map into a vector. */
const FLATTENING = new Set<string>(['Flatten', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D']);

/** Why a spatial layer cannot take a flat vector, with the fix that fits where it sits. */
export function needsImage(input: Shape, ctx: LayerContext): KindIssue | null {
  if (isImage(input)) return null;
  // On an image input the first layer that returns a vector (Flatten, GlobalAveragePooling2D, or a Dense) is where the image was lost.
  const flatAt = ctx.previous.findIndex((l: LayerSpec) => FLATTENING.has(l.type) || l.type === 'Dense');
  const imageInput = ctx.inputShape ? isImage(ctx.inputShape) : flatAt >= 0 && ctx.previous[flatAt].type !== 'Dense';
  const fix = imageInput && flatAt >= 0
    ? `move it before the ${ctx.previous[flatAt].type} at layer ${flatAt + 1}`
    : 'use inputShape [28, 28, 1] for convolutional models';
  return { message: `${ctx.label} gets a flat vector of ${input[0]} values but needs an image (H×W×C): ${fix}` };
}

/** Output of a sliding window over an H×W×C map, or the issue naming the sizes when a valid window does not fit. */
export function slide(
  input: readonly [number, number, number], window: [number, number], strides: [number, number],
  padding: 'valid' | 'same', what: 'kernel' | 'pool', field: string, ctx: LayerContext,
): [number, number] | KindIssue {
  const h = windowOutput(input[0], window[0], strides[0], padding);
  const w = windowOutput(input[1], window[1], strides[1], padding);
  if (h >= 1 && w >= 1) return [h, w];
  return {
    field,
    message: `${ctx.label}: ${what} ${dimsText(window)} is larger than its ${dimsText(input)} input (valid padding): `
      + `use a smaller ${what}, padding 'same', or less downsampling before it`,
  };
}


/** Keras's effective kernel of a dilated convolution: (k − 1)·d + 1 a side. */
export function dilated(kernel: [number, number], rate: [number, number]): [number, number] {
  return [(kernel[0] - 1) * rate[0] + 1, (kernel[1] - 1) * rate[1] + 1];
}

/** Keras refuses strides > 1 together with a dilation rate > 1 (and so does tfjs's gradient). */
export function dilationIssue(strides: [number, number], rate: [number, number], ctx: LayerContext): KindIssue | null {
  const strided = strides[0] > 1 || strides[1] > 1;
  const dilatedRate = rate[0] > 1 || rate[1] > 1;
  if (!strided || !dilatedRate) return null;
  return {
    field: 'dilationRate',
    message: `${ctx.label}: dilationRate ${dimsText(rate)} cannot be combined with strides ${dimsText(strides)}; `
      + 'use strides 1 with a dilation, or dilation 1 with strides (as Keras requires)',
  };
}
