// Shape-report and spec-error types (shared contract layer): what inference tells the UI, the CLI and the engine.
import type { LayerType } from '../spec.js';

export interface SpecIssue {
  /** 0-based index into `layers`; null for a problem with the model as a whole (name, inputShape, layer list). */
  layerIndex: number | null;
  /** The offending field of the layer or model, when one field is to blame. */
  field?: string;
  /** Self-contained text; names the layer 1-based, e.g. "layer 3 (Dense): units must be a positive integer; got 0". */
  message: string;
}

export interface LayerSummary {
  /** 0-based; `layers[i].index === i`. */
  index: number;
  type: LayerType;
  /** Keras's default name: dense, dense_1, conv2d, max_pooling2d … */
  name: string;
  /** With the batch axis: [null, 26, 26, 32]. */
  outputShape: (number | null)[];
  params: number;
  trainableParams: number;
  activation: string | null;
  /** Graph models only: the names of the layers this one takes ("input" for the model input), Keras's "Connected to". */
  inputs?: string[];
}

export interface ShapeReport {
  ok: boolean;
  /** The layers whose shapes could be inferred: all of them when `ok`, otherwise a prefix. */
  layers: LayerSummary[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
  /** The model's output with the batch axis, or null when inference did not reach the last layer. */
  outputShape: (number | null)[] | null;
  /** Every problem found, model-level ones first, then by layer. */
  issues: SpecIssue[];
}

/** An invalid model spec; the message lists every issue, one a line. */
export class SpecError extends Error {
  constructor(message: string, readonly layerIndex: number | null, readonly issues: SpecIssue[]) {
    super(message);
    this.name = 'SpecError';
  }
}

/** "layer 3 (Dense)", or "layer 3" when the type is unknown: messages count layers from 1. */
export function layerLabel(index: number, type?: string): string {
  return type ? `layer ${index + 1} (${type})` : `layer ${index + 1}`;
}
