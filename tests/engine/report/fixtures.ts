// Test helpers for the report: a minimal RunDetail for the pure analysis tests (numbers chosen by hand, small).
import { TrainRequestSchema, type Predictions, type RunDetail, type TestMetrics } from '../../../shared/run.js';
import { classificationReport, confusionMatrix, namedPairs, topConfusedPairs } from '../../../electron/engine/eval/metrics.js';

export const annSpec = {
  name: 'seed-ann',
  inputShape: [784] as [784],
  layers: [
    { type: 'Dense' as const, units: 256, activation: 'relu' as const },
    { type: 'Dense' as const, units: 128, activation: 'relu' as const },
    { type: 'Dense' as const, units: 10, activation: 'softmax' as const },
  ],
};

/** Test metrics computed by the evaluation module from labels and predictions. */
export function metricsFrom(labels: number[], predicted: number[]): TestMetrics {
  const confusion = confusionMatrix(labels, predicted);
  const report = classificationReport(confusion);
  return { accuracy: report.accuracy, loss: 0.5, report, confusion, namedPairs: namedPairs(confusion), topPairs: topConfusedPairs(confusion), samples: labels.length, inferenceSeconds: 0.1 };
}

export function predictionsFrom(labels: number[], predicted: number[], testIndices = labels.map((_, i) => i)): Predictions {
  return { testIndices, labels, predicted, misclassified: [] };
}

export function runDetail(o: { id: string; name?: string; groupId?: string | null; repeatIndex?: number; seed?: number; model?: typeof annSpec; lr?: number; test?: TestMetrics | null }): RunDetail {
  const request = TrainRequestSchema.parse({ name: o.name ?? o.id, model: o.model ?? annSpec, hyper: { learningRate: o.lr ?? 1e-3, batchSize: 128, epochs: 1, seed: o.seed ?? 42 } });
  const config = { id: o.id, name: o.name ?? o.id, createdAt: '2026-11-25T10:00:00.000Z', request, seed: o.seed ?? 42, groupId: o.groupId ?? null, repeatIndex: o.repeatIndex ?? 0 };
  const test = o.test ?? null;
  return {
    summary: {
      id: o.id, name: config.name, createdAt: config.createdAt, status: test ? 'finished' : 'failed', preset: null, modelName: request.model.name, tags: [], groupId: config.groupId,
      params: null, backend: null, epochsDone: 0, epochs: 1, testAccuracy: test?.accuracy ?? null, macroF1: test?.report.macro.f1 ?? null, trainSeconds: 10, samplesPerSecond: null, reason: null, damaged: null,
    },
    config,
    begin: null,
    epochs: [],
    test,
    logWarnings: [],
  };
}
