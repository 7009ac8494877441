// Backend layer: MaxPool's input gradient for wasm, replacing the shipped one, which is wrong when the windows tile the input exactly.
import * as tf from '@tensorflow/tfjs';
import { backend_util } from '@tensorflow/tfjs';
import { f32, type WasmBackendLike } from './heap.js';

/**
 * tfjs-backend-wasm 4.22's MaxPoolGrad gives wrong gradients e.g. for 2×2 pools over an even-sized map
 * (the seed CNN's 26×26), measured against the cpu backend and a hand-written reference. This one
 * routes each output gradient to the first maximum of its window, as the cpu backend does.
 */
function maxPoolGrad(args: { inputs: tf.NamedTensorInfoMap; backend: WasmBackendLike; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { backend } = args;
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolGradAttrs;
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, strideHeight, strideWidth, effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
  const { top, left } = info.padInfo;

  const out = backend.makeOutput(input.shape, 'float32');
  const dx = f32(backend, out);
  const x = f32(backend, input);
  const g = f32(backend, dy);
  if (strideHeight >= fh && strideWidth >= fw) {
    tiled(dx, x, g, info);
    return out;
  }
  dx.fill(0);
  const best = new Float32Array(c);
  const at = new Int32Array(c);
  for (let b = 0; b < batchSize; b++) {
    const xb = b * inHeight * inWidth * c;
    for (let oh = 0; oh < outHeight; oh++) {
      const h0 = oh * strideHeight - top;
      const hs = Math.max(0, h0);
      const he = Math.min(inHeight, h0 + fh);
      for (let ow = 0; ow < outWidth; ow++) {
        const w0 = ow * strideWidth - left;
        const ws = Math.max(0, w0);
        const we = Math.min(inWidth, w0 + fw);
        best.fill(-Infinity);
        at.fill(-1);
        for (let h = hs; h < he; h++) {
          for (let w = ws; w < we; w++) {
            const base = xb + (h * inWidth + w) * c;
            for (let k = 0; k < c; k++) {
              const v = x[base + k];
              if (v > best[k]) {
                best[k] = v;
                at[k] = base + k;
              }
            }
          }
        }
        const gBase = ((b * outHeight + oh) * outWidth + ow) * c;
        for (let k = 0; k < c; k++) if (at[k] >= 0) dx[at[k]] += g[gBase + k];
      }
    }
  }
  return out;
}

/** Windows that do not overlap (the usual 2×2 stride 2): one pass, each position written once, no zero fill first. */
function tiled(dx: Float32Array, x: Float32Array, g: Float32Array, info: backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, strideHeight, strideWidth, effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
  const { top, left } = info.padInfo;
  const covered = strideHeight === fh && strideWidth === fw && top === 0 && left === 0 && outHeight * fh === inHeight && outWidth * fw === inWidth;
  if (!covered) dx.fill(0);
  const rowStride = inWidth * c;
  for (let b = 0; b < batchSize; b++) {
    const xb = b * inHeight * rowStride;
    for (let oh = 0; oh < outHeight; oh++) {
      const h0 = oh * strideHeight - top;
      const hs = Math.max(0, h0);
      const he = Math.min(inHeight, h0 + fh);
      for (let ow = 0; ow < outWidth; ow++) {
        const w0 = ow * strideWidth - left;
        const ws = Math.max(0, w0);
        const we = Math.min(inWidth, w0 + fw);
        const gBase = ((b * outHeight + oh) * outWidth + ow) * c;
        for (let k = 0; k < c; k++) {
          let best = -Infinity;
          let at = -1;
          for (let h = hs; h < he; h++) {
            for (let w = ws, p = xb + h * rowStride + ws * c + k; w < we; w++, p += c) {
              const v = x[p];
              dx[p] = 0;
              if (v > best) {
                best = v;
                at = p;
              }
            }
          }
          if (at >= 0) dx[at] = g[gBase + k];
        }
      }
    }
  }
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};
