// Renderer tests: contract-valid sample runs and events, checked against the shared schemas when built.
import { RunSummarySchema, TrainEventSchema, type RunSummary, type TrainEvent, type Predictions } from '../../shared/run.js';

export function summary(id: string, over: Partial<RunSummary> = {}): RunSummary {
  return RunSummarySchema.parse({
    id, name: id, createdAt: '2025-11-25T10:00:00.000Z', status: 'finished', preset: null, modelName: 'm', tags: [], groupId: null,
    params: 100, backend: 'cpu', epochsDone: 2, epochs: 2, testAccuracy: 0.9, macroF1: 0.89, trainSeconds: 10, samplesPerSecond: 1000,
    reason: null, damaged: null, ...over,
  });
}

export function batchEnd(runId: string, epoch: number, batch: number, loss = 1): TrainEvent {
  return TrainEventSchema.parse({ type: 'batchEnd', runId, t: 1, epoch, batch, batches: 10, loss, accuracy: 0.5, samplesPerSecond: 100, etaSeconds: 5 });
}

export function epochEnd(runId: string, epoch: number): TrainEvent {
  return TrainEventSchema.parse({
    type: 'epochEnd', runId, t: 2,
    summary: { epoch, loss: 0.5 - epoch * 0.1, accuracy: 0.8 + epoch * 0.01, valLoss: 0.6, valAccuracy: 0.79, learningRate: 0.001, seconds: 1, samplesPerSecond: 1000, valConfusion: [] },
  });
}

export function trainEnd(runId: string): TrainEvent {
  return TrainEventSchema.parse({ type: 'trainEnd', runId, t: 3, status: 'finished', trainSeconds: 2 });
}

/** Predictions over test images `indices`, with `predicted` and probabilities for the mistakes. */
export function predictions(indices: number[], labels: number[], predicted: number[], conf: Record<number, number> = {}): Predictions {
  return {
    testIndices: indices, labels, predicted,
    misclassified: indices.flatMap((ti, k) => {
      if (labels[k] === predicted[k]) return [];
      const probs = new Array(10).fill(0);
      const c = conf[ti] ?? 0.6;
      probs[predicted[k]] = c;
      probs[labels[k]] = 1 - c;
      return [{ index: ti, label: labels[k], predicted: predicted[k], probs }];
    }),
  };
}

/** Bytes → base64 without Node's Buffer (the renderer tests typecheck against DOM types only). */
export function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}
