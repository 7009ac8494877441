// Bench: times the engine's own training step and batched inference for one model on the current backend.
import * as tf from '@tensorflow/tfjs';
import { makeOptimizer } from '../electron/engine/train/optimizer.js';
import { predictBatch, sizeOf } from '../electron/engine/train/step.js';
import { makeFastestStep } from '../electron/engine/train/fusedGraphMlp.js';
import { buildBenchModel, type BenchModel } from './models.js';

export interface OursRun { train: number; infer: number; peakRssMB: number; loss: number; tensorsLeaked: number }

/** A model, its optimiser and fixed random batches, reused across repeats so every repeat times the same work. */
export class OursBench {
  private readonly model: tf.LayersModel;
  private readonly step: ReturnType<typeof makeFastestStep>;
  private readonly optimizer: tf.Optimizer;
  private readonly inputShape: number[];
  private readonly xs: Float32Array[] = [];
  private readonly ys: Int32Array[] = [];
  private i = 0;

  constructor(which: BenchModel, private readonly batch: number) {
    const built = buildBenchModel(which);
    this.model = built.model;
    this.inputShape = built.inputShape;
    // The engine's optimizer (tfjs's Adam, its update fused natively where it can), as training runs it.
    this.optimizer = makeOptimizer({ type: 'adam', beta1: 0.9, beta2: 0.999 }, 1e-3);
    // The step training takes (runOptions.ts): the fused MLP or graph MLP step where one applies, else the taped one.
    this.step = makeFastestStep(this.model, this.optimizer, this.inputShape);
    let s = 12345;
    const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
    for (let k = 0; k < 4; k++) {
      this.xs.push(Float32Array.from({ length: batch * sizeOf(this.inputShape) }, rnd));
      this.ys.push(Int32Array.from({ length: batch }, () => Math.floor(rnd() * 10)));
    }
  }

  private oneStep(): number {
    const k = this.i++ % 4;
    return this.step(this.xs[k], this.ys[k], this.batch).loss;
  }

  /** Untimed steps first (tfjs compiles and allocates on the first ones); returns the mean ms per step, to size timed runs. */
  warmUp(batches: number): number {
    const t0 = performance.now();
    for (let b = 0; b < batches; b++) this.oneStep();
    return (performance.now() - t0) / Math.max(batches, 1);
  }

  /** Milliseconds of one untimed inference pass over `count` samples: warms inference and sizes its repeats. */
  inferOnce(count: number): number {
    const x = this.inferInput(count);
    const t0 = performance.now();
    predictBatch(this.model, x, count, this.inputShape);
    return performance.now() - t0;
  }

  private inferInput(count: number): Float32Array {
    return Float32Array.from({ length: count * sizeOf(this.inputShape) }, (_, j) => ((j * 7919) % 256) / 255);
  }

  /** Training only: samples/s over `batches` steps. */
  train(batches: number): number {
    const t0 = performance.now();
    for (let b = 0; b < batches; b++) this.oneStep();
    return (batches * this.batch) / ((performance.now() - t0) / 1000);
  }

  run(batches: number, inferCount: number, inferRepeats: number): OursRun {
    let peak = process.memoryUsage.rss();
    const tensorsBefore = tf.memory().numTensors;
    let loss = NaN;
    const t0 = performance.now();
    for (let b = 0; b < batches; b++) {
      loss = this.oneStep();
      peak = Math.max(peak, process.memoryUsage.rss());
    }
    const train = (batches * this.batch) / ((performance.now() - t0) / 1000);
    const tensorsLeaked = tf.memory().numTensors - tensorsBefore;

    const x = this.inferInput(inferCount);
    predictBatch(this.model, x, inferCount, this.inputShape);
    const t1 = performance.now();
    for (let r = 0; r < inferRepeats; r++) {
      predictBatch(this.model, x, inferCount, this.inputShape);
      peak = Math.max(peak, process.memoryUsage.rss());
    }
    const infer = (inferRepeats * inferCount) / ((performance.now() - t1) / 1000);
    return { train, infer, peakRssMB: peak / 2 ** 20, loss, tensorsLeaked };
  }

  dispose(): void {
    this.optimizer.dispose();
    this.model.dispose();
  }
}
