// Backend layer: the two gradients of a depthwise convolution for the wasm backend, which ships neither (tfjs 4.22).
import * as tf from '@tensorflow/tfjs';
import { backend_util } from '@tensorflow/tfjs';
import { BackendError } from '../../errors.js';
import { f32, type WasmBackendLike } from './heap.js';

type Args = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap };
type ConvAttrs = { strides: number | [number, number]; dilations: number | [number, number]; pad: 'valid' | 'same' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil' };

function info(xShape: number[], filterShape: number[], a: ConvAttrs): backend_util.Conv2DInfo {
  const conv = backend_util.computeConv2DInfo(xShape as [number, number, number, number], filterShape as [number, number, number, number],
    a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode, true);
  // tfjs's gradient refuses dilations > 1 before it gets here; the layers dilate the kernel instead (layers/dilation.ts).
  if (conv.dilationHeight !== 1 || conv.dilationWidth !== 1) {
    throw new BackendError('depthwise convolution gradients on wasm support dilation 1 only', 'wasm');
  }
  return conv;
}

/**
 * dx[b, r, c, d] = Σ over the output positions whose window covers (r, c) and the channel multiplier m of
 * dy[b, oh, ow, d·M + m] · w[r − oh·s + pt, c − ow·s + pl, d, m]: the loops of tfjs's cpu kernel over the wasm heap.
 */
function backpropInput(args: Args): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const a = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
  const ci = info(a.inputShape, filter.shape, a);
  const out = backend.makeOutput(ci.inShape, 'float32');
  const dx = f32(backend, out);
  const g = f32(backend, dy);
  const w = f32(backend, filter);
  const { batchSize, filterHeight: fh, filterWidth: fw, inChannels: C, inHeight: H, inWidth: W, outChannels: OC, outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = ci;
  const M = OC / C;
  const top = ci.padInfo.top;
  const left = ci.padInfo.left;
  dx.fill(0);
  // Scatter form: each dy element adds into the inputs its window read, the same sums in a cache-friendlier order.
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const dyBase = ((b * OH + oh) * OW + ow) * OC;
        for (let kh = 0; kh < fh; kh++) {
          const r = oh * sh + kh - top;
          if (r < 0 || r >= H) continue;
          for (let kw = 0; kw < fw; kw++) {
            const c = ow * sw + kw - left;
            if (c < 0 || c >= W) continue;
            const dxBase = ((b * H + r) * W + c) * C;
            const wBase = (kh * fw + kw) * C * M;
            for (let d = 0; d < C; d++) {
              let sum = 0;
              for (let m = 0; m < M; m++) sum += g[dyBase + d * M + m] * w[wBase + d * M + m];
              dx[dxBase + d] += sum;
            }
          }
        }
      }
    }
  }
  return out;
}

/** dw[kh, kw, d, m] = Σ_{b, oh, ow} x[b, oh·s + kh − pt, ow·s + kw − pl, d] · dy[b, oh, ow, d·M + m]. */
function backpropFilter(args: Args): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const a = args.attrs as unknown as ConvAttrs & { filterShape: number[] };
  const ci = info(x.shape, a.filterShape, a);
  const out = backend.makeOutput(a.filterShape, 'float32');
  const dw = f32(backend, out);
  const xs = f32(backend, x);
  const g = f32(backend, dy);
  const { batchSize, filterHeight: fh, filterWidth: fw, inChannels: C, inHeight: H, inWidth: W, outChannels: OC, outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = ci;
  const M = OC / C;
  const top = ci.padInfo.top;
  const left = ci.padInfo.left;
  dw.fill(0);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const dyBase = ((b * OH + oh) * OW + ow) * OC;
        for (let kh = 0; kh < fh; kh++) {
          const r = oh * sh + kh - top;
          if (r < 0 || r >= H) continue;
          for (let kw = 0; kw < fw; kw++) {
            const c = ow * sw + kw - left;
            if (c < 0 || c >= W) continue;
            const xBase = ((b * H + r) * W + c) * C;
            const wBase = (kh * fw + kw) * C * M;
            for (let d = 0; d < C; d++) {
              const xv = xs[xBase + d];
              for (let m = 0; m < M; m++) dw[wBase + d * M + m] += xv * g[dyBase + d * M + m];
            }
          }
        }
      }
    }
  }
  return out;
}

export const depthwiseBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: backpropInput as unknown as tf.KernelFunc,
};

export const depthwiseBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: backpropFilter as unknown as tf.KernelFunc,
};
