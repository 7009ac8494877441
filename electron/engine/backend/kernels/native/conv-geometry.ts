// Backend layer: the convolution geometry our native kernels accept, derived the way tfjs derives it.
import * as tf from '@tensorflow/tfjs';
import { backend_util } from '@tensorflow/tfjs';

/** [n,h,w,c,kh,kw,co,oh,ow,sh,sw,pt,pl] in native/src/addon.c's order, or null when the native code does not cover it. */
export function convGeometry(
  xShape: number[], filterShape: number[], strides: number | [number, number], pad: backend_util.PadInfo['type'] | unknown,
  dilations: number | [number, number], dataFormat: string, dimRoundingMode?: 'floor' | 'round' | 'ceil',
): number[] | null {
  if (backend_util.convertConv2DDataFormat(dataFormat as 'NHWC' | 'NCHW') !== 'channelsLast') return null;
  const info = backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number], strides, dilations,
    pad as 'valid', dimRoundingMode, false, 'channelsLast');
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  if (size(info.inShape) === 0 || size(info.outShape) === 0 || size(filterShape) === 0) return null;
  return [info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.filterHeight, info.filterWidth, info.outChannels,
    info.outHeight, info.outWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left];
}

export type ConvAttrs = tf.Conv2DAttrs & { dilations?: number | [number, number] };
