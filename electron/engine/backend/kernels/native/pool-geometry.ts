// Backend layer: pooling geometry in native/src/addon.c's order, derived the way tfjs derives it.
import { backend_util } from '@tensorflow/tfjs';

/** [n,h,w,c,ph,pw,oh,ow,sh,sw,pt,pl], or null when the native code does not cover it. */
export function poolGeometry(xShape: number[], filterSize: number | [number, number], strides: number | [number, number], pad: unknown,
  dimRoundingMode?: 'floor' | 'round' | 'ceil'): number[] | null {
  if (xShape.length !== 4) return null;
  const info = backend_util.computePool2DInfo(xShape as [number, number, number, number], filterSize, strides, 1, pad as 'valid', dimRoundingMode);
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1 || info.outHeight <= 0 || info.outWidth <= 0 || info.batchSize === 0) return null;
  return [info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.effectiveFilterHeight, info.effectiveFilterWidth,
    info.outHeight, info.outWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left];
}
