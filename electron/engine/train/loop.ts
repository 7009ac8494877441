// The training loop of one run: data, model, epochs, validation, test evaluation, model save.
// Runs inside a worker thread (worker.ts) or inline in tests; it only talks through `ctx`.
import * as tf from '@tensorflow/tfjs';
import type { RunConfig, TrainEvent, EpochSummary, BackendInfo, Environment } from '../../../shared/run.js';
import { NUM_CLASSES } from '../../../shared/classes.js';
import { selectBackend } from '../backend/select.js';
import { loadFromDir, type FashionMnist } from '../data/dataset.js';
import { makeSplit } from '../data/split.js';
import { fillBatch, fillLabels } from '../data/batches.js';
import { mulberry32, shuffleInPlace } from '../data/rng.js';
import { buildModel } from '../models/build.js';
import { confusionMatrix, testMetrics } from '../eval/metrics.js';
import { RunStore } from '../runs/store.js';
import { predictBatch, sizeOf } from './step.js';
import { makeOptimizer, setLearningRate } from './optimizer.js';
import { EarlyStopper } from './earlyStopping.js';
import { RunOptions } from './runOptions.js';
import { TrainingError } from './errors.js';
import { collectEnvironment } from '../environment.js';
import { trainingHistograms } from '../insight/histograms.js';
import { countedRng, restoreCheckpoint, saveEpochCheckpoint } from './checkpointing.js';
import { completeLog } from './resume.js';
import { applyInitFrom } from './initFrom.js';
import { isDeviceBackend, makeDeviceTally, MAX_UNREAD_STEPS, predictAllAsync } from './gpuSteps.js';

export interface TrainJob {
  runId: string;
  config: RunConfig;
  storeRoot: string;
  data: { dir: string; kind: 'explicit' | 'env' | 'cache' | 'debian' | 'download' | 'test-fixture'; strict: boolean };
  /** Minimum gap between two batchEnd events. */
  batchEventIntervalMs?: number;
  /** Weight/gradient histograms at each epoch end (insight/histograms.ts); default true. */
  recordHistograms?: boolean;
  /** Continue from the run's last checkpoint (resume) instead of from fresh weights. */
  resume?: boolean;
}

export interface TrainContext {
  /** Appends to the run's log, then forwards; resolves once logged. */
  emit(event: TrainEvent): Promise<void>;
  cancelled(): boolean;
  /** Test hook: live tensor count after each epoch (leak check). */
  onEpochTensors?(epoch: number, numTensors: number): void;
  /** Test hook: called as each final stage begins, so a test can cancel exactly inside it. */
  onStage?(stage: FinalStage): void;
}

/** After the last epoch: predict the test split, serialise the model, write results and model to the store. */
export type FinalStage = 'test-evaluation' | 'serialise' | 'store-results';

const EVAL_BATCH = 1000;

/** A worker trains run after run on the same data: parse and verify it once. */
let cachedData: { key: string; ds: Promise<FashionMnist> } | null = null;
function loadCached(data: TrainJob['data']): Promise<FashionMnist> {
  const key = JSON.stringify(data);
  if (cachedData?.key !== key) {
    const ds = loadFromDir(data.dir, data.kind, { strict: data.strict });
    cachedData = { key, ds };
    ds.catch(() => { if (cachedData?.key === key) cachedData = null; });
  }
  return cachedData.ds;
}

/** Runs a whole training job; never throws: every outcome ends in one trainEnd event. */
export async function runTraining(job: TrainJob, ctx: TrainContext): Promise<'finished' | 'failed' | 'cancelled'> {
  const started = performance.now();
  const t = () => Date.now();
  const runId = job.runId;
  try {
    const outcome = await trainAndEvaluate(job, ctx);
    await ctx.emit({ type: 'trainEnd', runId, t: t(), status: outcome.status, reason: outcome.reason, trainSeconds: outcome.trainSeconds });
    return outcome.status;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    await ctx.emit({ type: 'trainEnd', runId, t: t(), status: 'failed', reason, trainSeconds: (performance.now() - started) / 1000 });
    return 'failed';
  }
}

interface Outcome { status: 'finished' | 'cancelled'; reason?: string; trainSeconds: number }

async function trainAndEvaluate(job: TrainJob, ctx: TrainContext): Promise<Outcome> {
  const { runId, config } = job;
  const req = config.request;
  const hyper = { ...req.hyper, seed: config.seed };
  const backend: BackendInfo = await selectBackend(req.backend);
  const environment: Environment = collectEnvironment();
  const ds = await loadCached(job.data);
  const split = makeSplit(req.data, ds.trainCount, ds.testCount);
  const inputShape = req.model.inputShape as number[];
  const store = new RunStore(job.storeRoot);

  const model = buildModel(req.model, hyper.seed);
  if (req.initFrom) await applyInitFrom(store, model, req.initFrom, { loadWeights: !job.resume });
  const optimizer = makeOptimizer(hyper.optimizer, hyper.learningRate);
  const options = new RunOptions(hyper, NUM_CLASSES);
  const step = options.makeStep(model, optimizer, inputShape);
  // On a GPU backend the loss and hits stay on the device and are read at the event throttle (gpuSteps.ts).
  const device = isDeviceBackend(backend.name) ? makeDeviceTally(model, optimizer, inputShape, NUM_CLASSES) : null;
  if (device && options.needsObjective(model)) {
    throw new TrainingError(`label smoothing, mixup, gradient clipping and L2 regularisation are not available on the ${backend.name} backend yet: train this run on wasm (--backend wasm)`, runId);
  }
  const predict = (images: Uint8Array, indices: Int32Array) =>
    (device ? predictAllAsync(model, images, indices, inputShape, NUM_CLASSES, EVAL_BATCH) : Promise.resolve(predictAll(model, images, indices, inputShape)));
  const nTrain = split.train.length;
  const batchSize = Math.min(hyper.batchSize, nTrain);
  const batches = Math.ceil(nTrain / batchSize);
  const histograms = trainingHistograms({
    model, images: ds.trainImages, labels: ds.trainLabels, train: split.train, inputShape, seed: hyper.seed, runDir: store.runDir(runId),
  }, job.recordHistograms !== false);

  await ctx.emit({
    type: 'trainBegin', runId, t: Date.now(), config, backend, environment, dataSource: ds.source,
    splitSizes: { train: nTrain, validation: split.validation.length, test: split.test.length },
    params: model.countParams(), epochs: hyper.epochs, batchesPerEpoch: batches,
  });

  const x = new Float32Array(batchSize * sizeOf(inputShape));
  const y = new Int32Array(batchSize);
  const order = new Int32Array(split.train);
  // The shift/flip stream, counted so that a checkpoint can put it back where it was (the other augmentations draw
  // from generators keyed on seed, epoch and batch, which need no state).
  const augRng = countedRng(options.augment?.rng ?? mulberry32(hyper.seed));
  if (options.augment) options.augment.rng = augRng;
  const augment = options.augment;
  const stopper = hyper.earlyStopping ? new EarlyStopper(hyper.earlyStopping) : null;
  let best: tf.Tensor[] | null = null;
  const interval = job.batchEventIntervalMs ?? 250;
  let trainSeconds = 0;
  let epochsDone = 0;
  let avgEpochSeconds = 0;
  let startEpoch = 0;
  let bestValAccuracy = -Infinity;
  const runDir = store.runDir(runId);

  try {
    if (job.resume) {
      const r = await restoreCheckpoint(runDir, runId, { model, optimizer, stopper, augRng, plateau: options.plateau });
      ({ epochsDone: startEpoch, trainSeconds, avgEpochSeconds, bestValAccuracy } = r.state);
      epochsDone = startEpoch;
      best = r.esBest;
      // Each epoch shuffles the previous epoch's order: replay them so epoch startEpoch sees the same order.
      for (let e = 0; e < startEpoch; e++) shuffleInPlace(order, mulberry32(hyper.seed * 1000 + e));
      await completeLog(store, runId, r.state.summary, ctx.emit);
    }
    for (let epoch = startEpoch; epoch < hyper.epochs; epoch++) {
      shuffleInPlace(order, mulberry32(hyper.seed * 1000 + epoch));
      const epochStart = performance.now();
      let lossSum = 0, correct = 0, seen = 0, lastEmit = 0, lr = hyper.learningRate;
      device?.reset();
      for (let b = 0; b < batches; b++) {
        if (ctx.cancelled()) return { status: 'cancelled', reason: `cancelled during epoch ${epoch + 1}, batch ${b + 1}`, trainSeconds: trainSeconds + (performance.now() - epochStart) / 1000 };
        const start = b * batchSize;
        const end = Math.min(start + batchSize, nTrain);
        options.beginBatch(epoch, b);
        const n = fillBatch(ds.trainImages, order, start, end, x, augment);
        fillLabels(ds.trainLabels, order, start, end, y);
        lr = options.learningRate(epoch, b, batches);
        setLearningRate(optimizer, lr);
        if (device) {
          device.step(x, y, n);
          seen += n;
        } else {
          const r = step(x, y, n, options.mix(x, y, n, epoch, b));
          const diverged = divergence(r.loss, epoch, b, lr, runId);
          if (diverged) throw diverged;
          lossSum += r.loss * n; correct += r.correct; seen += n;
        }
        const now = performance.now();
        if (device && (now - lastEmit >= interval || b === batches - 1 || device.unread >= MAX_UNREAD_STEPS)) {
          ({ lossSum, correct } = await device.read());
          const diverged = divergence(lossSum, epoch, b, lr, runId);
          if (diverged) throw diverged;
        }
        if (now - lastEmit >= interval || b === batches - 1) {
          lastEmit = now;
          const elapsed = (now - epochStart) / 1000;
          const sps = seen / Math.max(elapsed, 1e-9);
          const remainingThis = (nTrain - seen) / sps;
          const remainingEpochs = hyper.epochs - epoch - 1;
          const perEpoch = avgEpochSeconds || nTrain / sps;
          ctx.emit({
            type: 'batchEnd', runId, t: Date.now(), epoch, batch: b, batches,
            loss: lossSum / seen, accuracy: correct / seen, samplesPerSecond: sps, etaSeconds: remainingThis + remainingEpochs * perEpoch,
          }).catch(() => undefined); // progress is best effort; epoch events are awaited and fail loudly
          // Give the worker's event loop a turn so log writes and messages flow.
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      const epochTrainSeconds = (performance.now() - epochStart) / 1000;
      trainSeconds += epochTrainSeconds;
      const val = evaluateSplit(await predict(ds.trainImages, split.validation), ds.trainLabels, split.validation);
      const seconds = (performance.now() - epochStart) / 1000;
      avgEpochSeconds = (avgEpochSeconds * epochsDone + seconds) / (epochsDone + 1);
      epochsDone++;
      const summary: EpochSummary = {
        epoch, loss: lossSum / seen, accuracy: correct / seen, valLoss: val.loss, valAccuracy: val.accuracy,
        learningRate: lr, seconds, samplesPerSecond: nTrain / epochTrainSeconds, valConfusion: val.confusion,
      };
      await histograms.record(epoch);
      options.endEpoch(val.loss);
      let stop = false;
      if (stopper) {
        const u = stopper.update(epoch, val.loss, val.accuracy);
        stop = u.stop;
        if (u.improved && hyper.earlyStopping?.restoreBestWeights) {
          best?.forEach((w) => w.dispose());
          best = model.getWeights().map((w) => w.clone());
        }
      }
      // The checkpoint goes first: a log never shows an epoch that a resume would train again.
      const isBest = val.accuracy > bestValAccuracy;
      if (isBest) bestValAccuracy = val.accuracy;
      await saveEpochCheckpoint(runDir, runId, { model, optimizer, stopper, stopped: stop, augRng, esBest: best, trainSeconds, avgEpochSeconds, bestValAccuracy, plateau: options.plateau }, epoch + 1, summary, isBest);
      await ctx.emit({ type: 'epochEnd', runId, t: Date.now(), summary });
      ctx.onEpochTensors?.(epoch, tf.memory().numTensors);
      if (stop) break;
    }
    if (best) model.setWeights(best);

    // A cancel is honoured up to the 'evaluated' event: that event is the point of no return, and a run that is
    // cancelled before it keeps no results (its list row would otherwise show test numbers for a cancelled run).
    const cancelledIn = (what: string): Outcome | null =>
      (ctx.cancelled() ? { status: 'cancelled', reason: `cancelled during ${what}, after ${epochsDone} epoch${epochsDone === 1 ? '' : 's'} of training`, trainSeconds } : null);
    ctx.onStage?.('test-evaluation');
    const testStart = performance.now();
    const probs = await predict(ds.testImages, split.test);
    const inferenceSeconds = (performance.now() - testStart) / 1000;
    const labels = Uint8Array.from(split.test, (i) => ds.testLabels[i]);
    const { metrics, predictions } = testMetrics({ labels, probs, testIndices: split.test, inferenceSeconds });
    const afterEval = cancelledIn('the test evaluation');
    if (afterEval) return afterEval;
    ctx.onStage?.('serialise');
    let artifacts: tf.io.ModelArtifacts | null = null;
    await model.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }));
    const afterSerialise = cancelledIn('the model save');
    if (afterSerialise) return afterSerialise;
    ctx.onStage?.('store-results');
    try {
      await store.writeResult(runId, metrics, predictions);
      await store.saveModel(runId, artifacts!);
    } catch (err) {
      await store.discardResult(runId).catch(() => undefined); // the write's own error is the one to report
      throw err;
    }
    const afterSave = cancelledIn('the model save');
    if (afterSave) {
      await store.discardResult(runId);
      return afterSave;
    }
    await ctx.emit({ type: 'evaluated', runId, t: Date.now(), test: metrics });
    return { status: 'finished', trainSeconds };
  } finally {
    best?.forEach((w) => w.dispose());
    histograms.dispose();
    device?.dispose();
    model.dispose();
    optimizer.dispose();
  }
}

/** A NaN or infinite batch loss ends the run: every later step would be garbage. */
export function divergence(loss: number, epoch: number, batch: number, learningRate: number, runId?: string): TrainingError | null {
  if (Number.isFinite(loss)) return null;
  return new TrainingError(
    `training diverged: loss became ${loss} at epoch ${epoch + 1}, batch ${batch + 1} (learning rate ${learningRate.toPrecision(3)}); ` +
      'lower the learning rate or add batch normalization',
    runId, epoch,
  );
}

/** Softmax outputs for the given samples, evaluated EVAL_BATCH at a time. */
export function predictAll(model: tf.LayersModel, images: Uint8Array, indices: Int32Array, inputShape: number[]): Float32Array {
  const probs = new Float32Array(indices.length * NUM_CLASSES);
  const x = new Float32Array(EVAL_BATCH * sizeOf(inputShape));
  for (let start = 0; start < indices.length; start += EVAL_BATCH) {
    const end = Math.min(start + EVAL_BATCH, indices.length);
    const n = fillBatch(images, indices, start, end, x, null);
    probs.set(predictBatch(model, x, n, inputShape), start * NUM_CLASSES);
  }
  return probs;
}

function evaluateSplit(probs: Float32Array, labels: Uint8Array, indices: Int32Array) {
  let lossSum = 0, correct = 0;
  const predicted = new Int32Array(indices.length);
  const truth = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const label = labels[indices[i]];
    truth[i] = label;
    let arg = 0;
    for (let k = 1; k < NUM_CLASSES; k++) if (probs[i * NUM_CLASSES + k] > probs[i * NUM_CLASSES + arg]) arg = k;
    predicted[i] = arg;
    if (arg === label) correct++;
    const p = Math.min(Math.max(probs[i * NUM_CLASSES + label], 1e-7), 1 - 1e-7);
    lossSum -= Math.log(p);
  }
  const n = Math.max(indices.length, 1);
  if (!Number.isFinite(lossSum)) throw new TrainingError('validation loss is not finite: the model output NaN');
  return { loss: lossSum / n, accuracy: correct / n, confusion: confusionMatrix(truth, predicted, NUM_CLASSES) };
}
