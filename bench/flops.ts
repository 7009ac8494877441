// Bench: floating-point work per sample of a model spec, from the shared MAC count, for GFLOP/s and % of peak.
import { estimateMacs } from '../shared/model/flops.js';

export interface ModelFlops {
  /** Forward multiply-accumulates per sample (Dense and Conv2D; elementwise layers count 0). */
  macs: number;
  /** 2 FLOPs per MAC. */
  inferFlops: number;
  /**
   * Forward, input gradient and weight gradient are each one GEMM of the forward's size: 3 × 2 × MACs, the usual
   * convention (the first layer's input gradient, which a framework may skip, is counted too).
   */
  trainFlops: number;
}

export function modelFlops(spec: unknown): ModelFlops {
  const macs = estimateMacs(spec);
  return { macs, inferFlops: 2 * macs, trainFlops: 6 * macs };
}

/** GFLOP/s at `samplesPerSecond` for `flopsPerSample`. */
export const gflops = (samplesPerSecond: number, flopsPerSample: number): number => (samplesPerSecond * flopsPerSample) / 1e9;
