// Engine/train: fine-tuning: a new run starts from a stored run's weights (same architecture), some layers frozen.
// The architecture check runs twice: on the specs when the run is requested (a clear message before anything is
// queued), and on the weight shapes when the worker loads them.
import * as tf from '@tensorflow/tfjs';
import type { TrainRequest } from '../../../shared/run.js';
import { inferShapes, layerLabel } from '../../../shared/model/inferShapes.js';
import type { RunStore } from '../runs/store.js';
import { readCheckpoint } from '../runs/checkpoint.js';
import { StoreError } from '../runs/errors.js';
import { TrainingError } from './errors.js';

type InitFrom = NonNullable<TrainRequest['initFrom']>;

/** Checks a fine-tuning request against the source run's spec; throws a TrainingError naming the first mismatching layer. */
export async function checkInitFrom(store: RunStore, request: TrainRequest): Promise<void> {
  const init = request.initFrom;
  if (!init) return;
  const source = await store.get(init.runId).catch((err: unknown) => {
    throw new TrainingError(`--init-from ${init.runId}: ${err instanceof Error ? err.message : String(err)}`);
  });
  const spec = source.config?.request.model;
  if (!spec) throw new TrainingError(`--init-from ${init.runId}: the run's config cannot be read, so its architecture is unknown`);
  const mismatch = firstMismatch(spec, request.model);
  if (mismatch) throw new TrainingError(`cannot start from run ${init.runId}: the architectures differ at ${mismatch}`);
  const layers = request.model.layers.length;
  const bad = init.freeze.find((i) => i >= layers);
  if (bad !== undefined) throw new TrainingError(`freeze: there is no layer ${bad} (the model has ${layers} layers, 0–${layers - 1})`);
}

/** "layer 3 (Dense): 128 units → 64 units"-style description of the first layer whose weights cannot carry over. */
export function firstMismatch(sourceSpec: unknown, targetSpec: unknown): string | null {
  const a = inferShapes(sourceSpec);
  const b = inferShapes(targetSpec);
  if (!a.ok) return 'the source model (its spec no longer validates)';
  if (!b.ok) return null; // the new spec's own errors are reported by its validation
  const n = Math.max(a.layers.length, b.layers.length);
  for (let i = 0; i < n; i++) {
    const s = a.layers[i];
    const t = b.layers[i];
    if (!s || !t) return `layer ${i + 1}: the source has ${a.layers.length} layers, this model ${b.layers.length}`;
    if (s.type !== t.type) return `layer ${i + 1}: ${s.type} in the source, ${t.type} here`;
    if (s.params !== t.params || s.outputShape.join(',') !== t.outputShape.join(',')) {
      return `${layerLabel(i, t.type)}: the source has ${s.params} params and output [${s.outputShape.join(', ')}], this model ${t.params} params and output [${t.outputShape.join(', ')}]`;
    }
  }
  const inA = (sourceSpec as { inputShape?: number[] }).inputShape ?? [];
  const inB = (targetSpec as { inputShape?: number[] }).inputShape ?? [];
  if (inA.join(',') !== inB.join(',')) return `the input: [${inA.join(', ')}] in the source, [${inB.join(', ')}] here`;
  return null;
}

/** The source run's final weights (saved model), or its last checkpoint's when it has no saved model. */
async function sourceWeights(store: RunStore, runId: string): Promise<Array<{ name: string; shape: number[]; data: Float32Array | Int32Array }>> {
  try {
    const artifacts = await store.modelHandler(runId).load!();
    const map = tf.io.decodeWeights(tf.io.CompositeArrayBuffer.join(artifacts.weightData!), artifacts.weightSpecs ?? []);
    return (artifacts.weightSpecs ?? []).map((spec) => {
      const t = map[spec.name];
      const out = { name: spec.name, shape: [...t.shape], data: t.dataSync().slice() as Float32Array | Int32Array };
      t.dispose();
      return out;
    });
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    const ckpt = await readCheckpoint(store.runDir(runId), 'last', runId);
    if (!ckpt) throw new TrainingError(`cannot start from run ${runId}: it has neither a saved model nor a checkpoint (${err.message})`);
    return ckpt.tensors.filter((t) => t.meta.group === 'model').map((t) => ({ name: t.meta.name, shape: t.meta.shape, data: t.data }));
  }
}

/** Loads the source weights (unless resuming, when the checkpoint has them) and freezes the listed layers. */
export async function applyInitFrom(store: RunStore, model: tf.LayersModel, init: InitFrom, opts: { loadWeights: boolean }): Promise<void> {
  if (opts.loadWeights) {
    const src = await sourceWeights(store, init.runId);
    const weights = model.weights;
    if (src.length !== weights.length) {
      throw new TrainingError(`cannot start from run ${init.runId}: it has ${src.length} weight tensors, this model ${weights.length}`);
    }
    weights.forEach((w, i) => {
      if (src[i].shape.join(',') !== w.shape.join(',')) {
        throw new TrainingError(`cannot start from run ${init.runId}: weight ${i + 1} (${src[i].name}) is [${src[i].shape.join(', ')}] there and ${w.originalName} is [${w.shape.join(', ')}] here`);
      }
    });
    const tensors = src.map((s) => tf.tensor(s.data, s.shape, s.data instanceof Int32Array ? 'int32' : 'float32'));
    model.setWeights(tensors);
    tensors.forEach((t) => t.dispose());
  }
  for (const i of init.freeze) {
    const layer = model.layers[i];
    if (!layer) throw new TrainingError(`freeze: there is no layer ${i} (the model has ${model.layers.length} layers, 0–${model.layers.length - 1})`);
    layer.trainable = false;
  }
}
