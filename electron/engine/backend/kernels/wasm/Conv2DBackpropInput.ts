// Backend layer: Conv2D's input gradient for wasm as a forward convolution (XNNPACK) of the dilated gradient
// with the rotated filter; the shipped kernel is a scalar loop about ten times slower than the forward pass.
import * as tf from '@tensorflow/tfjs';
import { backend_util } from '@tensorflow/tfjs';
import { callKernel, release } from './call.js';

type Args = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap };

/**
 * dx[ih] = Σ_kh dyₛ[ih + pt − kh]·W[kh] where dyₛ is dy with s−1 zeros after each row (stride s):
 * a correlation of dyₛ, padded by kh−1−pt on top, with the filter flipped in space and its in/out
 * channels swapped. Explicit paddings larger than the kernel fall back to the shipped kernel.
 */
export function makeConv2DBackpropInput(shipped: tf.KernelConfig | null): tf.KernelConfig {
  const kernelFunc = (args: Args): tf.TensorInfo | tf.TensorInfo[] => {
    const { backend } = args;
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const a = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const dataFormat = backend_util.convertConv2DDataFormat(a.dataFormat);
    const info = dataFormat === 'channelsLast'
      ? backend_util.computeConv2DInfo([...a.inputShape] as [number, number, number, number], filter.shape as [number, number, number, number],
        a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast')
      : null;
    const top = info ? info.filterHeight - 1 - info.padInfo.top : -1;
    const left = info ? info.filterWidth - 1 - info.padInfo.left : -1;
    if (info == null || top < 0 || left < 0 || dy.dtype !== 'float32') {
      if (shipped == null) throw new Error('wasm backend has no Conv2DBackpropInput kernel');
      return shipped.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]);
    }
    const { batchSize: n, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
    const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co } = info;

    const flipped = callKernel('Reverse', backend, { x: filter }, { dims: [0, 1] });
    const wT = callKernel('Transpose', backend, { x: flipped }, { perm: [0, 1, 3, 2] });
    release(backend, flipped);
    let dyS = dy;
    const temps: tf.TensorInfo[] = [];
    if (sh > 1 || sw > 1) {
      // Dilate by reshaping to [n, oh, 1, ow, 1, co] and padding the unit axes with zeros up to the strides.
      const r6 = callKernel('Reshape', backend, { x: dy }, { shape: [n, oh, 1, ow, 1, co] });
      const padded = callKernel('PadV2', backend, { x: r6 }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
      dyS = callKernel('Reshape', backend, { x: padded }, { shape: [n, oh * sh, ow * sw, co] });
      temps.push(r6, padded, dyS);
    }
    const bottom = Math.max(0, h - dyS.shape[1] - top + kh - 1);
    const right = Math.max(0, w - dyS.shape[2] - left + kw - 1);
    let dx = callKernel('Conv2D', backend, { x: dyS, filter: wT }, {
      strides: [1, 1], pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dataFormat: 'NHWC', dilations: [1, 1],
    });
    release(backend, wT, ...temps);
    if (dx.shape[1] !== h || dx.shape[2] !== w) {
      const cut = callKernel('Slice', backend, { x: dx }, { begin: [0, 0, 0, 0], size: [n, h, w, ci] });
      release(backend, dx);
      dx = cut;
    }
    return dx;
  };
  return { kernelName: tf.Conv2DBackpropInput, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
