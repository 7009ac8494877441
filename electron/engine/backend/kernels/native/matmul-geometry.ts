// Backend layer: batched matrix-product shapes the native GEMM accepts (equal batches, or one side broadcast).
import { broadcast_util } from '@tensorflow/tfjs';

export interface MatMulGeometry { outShape: number[]; batch: number; batchA: number; batchB: number; m: number; n: number; k: number }

export function matMulGeometry(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean): MatMulGeometry | null {
  if (aShape.length < 2 || bShape.length < 2) return null;
  const m = transposeA ? aShape.at(-1)! : aShape.at(-2)!;
  const k = transposeA ? aShape.at(-2)! : aShape.at(-1)!;
  const kb = transposeB ? bShape.at(-1)! : bShape.at(-2)!;
  const n = transposeB ? bShape.at(-2)! : bShape.at(-1)!;
  if (k !== kb || m === 0 || n === 0) return null;
  const outerA = aShape.slice(0, -2);
  const outerB = bShape.slice(0, -2);
  const batchA = outerA.reduce((p, q) => p * q, 1);
  const batchB = outerB.reduce((p, q) => p * q, 1);
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
  let outer: number[];
  try {
    outer = broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  } catch {
    return null;
  }
  // Patterns like [2,1]×[1,3] broadcast both sides; the native GEMM walks one batch index for both.
  if (outer.reduce((p, q) => p * q, 1) !== Math.max(batchA, batchB)) return null;
  return { outShape: [...outer, m, n], batch: Math.max(batchA, batchB), batchA, batchB, m, n, k };
}
