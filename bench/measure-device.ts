// Bench: times the engine's GPU training step (gpuSteps.ts: no per-step readback) and batched inference for one model,
// for backends without synchronous reads (webgpu). Each timed span ends with a readback, so queued work is counted.
import * as tf from '@tensorflow/tfjs';
import { makeOptimizer } from '../electron/engine/train/optimizer.js';
import { sizeOf } from '../electron/engine/train/step.js';
import { makeDeviceTally, predictBatchAsync, type DeviceTally } from '../electron/engine/train/gpuSteps.js';
import type { OursRun } from './measure.js';
import { buildBenchModel, type BenchModel } from './models.js';

/** OursBench's counterpart: same model, optimiser and fixed random batches, asynchronous throughout. */
export class DeviceBench {
  private readonly model: tf.LayersModel;
  private readonly optimizer: tf.Optimizer;
  private readonly tally: DeviceTally;
  private readonly inputShape: number[];
  private readonly xs: Float32Array[] = [];
  private readonly ys: Int32Array[] = [];
  private i = 0;

  constructor(which: BenchModel, private readonly batch: number) {
    const built = buildBenchModel(which);
    this.model = built.model;
    this.inputShape = built.inputShape;
    this.optimizer = makeOptimizer({ type: 'adam', beta1: 0.9, beta2: 0.999 }, 1e-3);
    this.tally = makeDeviceTally(this.model, this.optimizer, this.inputShape);
    let s = 12345;
    const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
    for (let k = 0; k < 4; k++) {
      this.xs.push(Float32Array.from({ length: batch * sizeOf(this.inputShape) }, rnd));
      this.ys.push(Int32Array.from({ length: batch }, () => Math.floor(rnd() * 10)));
    }
  }

  /** `batches` steps queued, then one readback of the loss sums: the mean batch loss. */
  private async steps(batches: number): Promise<number> {
    this.tally.reset();
    for (let b = 0; b < batches; b++) {
      const k = this.i++ % 4;
      this.tally.step(this.xs[k], this.ys[k], this.batch);
    }
    const { lossSum } = await this.tally.read();
    return lossSum / (batches * this.batch);
  }

  /** Untimed steps first (shader compilation happens on the first ones); returns the mean ms per step. */
  async warmUp(batches: number): Promise<number> {
    const t0 = performance.now();
    await this.steps(batches);
    return (performance.now() - t0) / Math.max(batches, 1);
  }

  private inferInput(count: number): Float32Array {
    return Float32Array.from({ length: count * sizeOf(this.inputShape) }, (_, j) => ((j * 7919) % 256) / 255);
  }

  async inferOnce(count: number): Promise<number> {
    const x = this.inferInput(count);
    const t0 = performance.now();
    await predictBatchAsync(this.model, x, count, this.inputShape);
    return performance.now() - t0;
  }

  async run(batches: number, inferCount: number, inferRepeats: number): Promise<OursRun> {
    let peak = process.memoryUsage.rss();
    const tensorsBefore = tf.memory().numTensors;
    const t0 = performance.now();
    const loss = await this.steps(batches);
    const train = (batches * this.batch) / ((performance.now() - t0) / 1000);
    peak = Math.max(peak, process.memoryUsage.rss());
    const tensorsLeaked = tf.memory().numTensors - tensorsBefore;
    const x = this.inferInput(inferCount);
    const t1 = performance.now();
    for (let r = 0; r < inferRepeats; r++) {
      await predictBatchAsync(this.model, x, inferCount, this.inputShape);
      peak = Math.max(peak, process.memoryUsage.rss());
    }
    const infer = (inferRepeats * inferCount) / ((performance.now() - t1) / 1000);
    return { train, infer, peakRssMB: peak / 2 ** 20, loss, tensorsLeaked };
  }

  dispose(): void {
    this.tally.dispose();
    this.optimizer.dispose();
    this.model.dispose();
  }
}
