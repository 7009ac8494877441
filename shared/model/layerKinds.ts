// Registry of layer kinds (shared contract layer, pure): each kind's shape rule, Keras parameter count and MAC count.
import type { LayerSpec, LayerType } from '../spec.js';
import { dimsText, isImage, pair, product, type Shape } from './geometry.js';
import { dilated, dilationIssue, needsImage, ok, slide } from './kindShared.js';
import { NEW_KINDS } from './newKinds.js';

export interface Inferred {
  outputShape: number[];
  params: number;
  trainable: number;
}
export interface KindIssue {
  field?: string;
  message: string;
}
/** A failed layer may still offer a best-guess output so that later layers are checked too. */
export type InferOutcome = { ok: true; out: Inferred } | { ok: false; issues: KindIssue[]; recovered: Inferred | null };

export interface LayerContext {
  /** "layer 3 (Dense)": 1-based, as messages name layers. */
  label: string;
  /** The layers before this one, for advice such as "move it before the Flatten at layer 5". */
  previous: readonly LayerSpec[];
  /** The model's input shape, when valid: an image input means a layer before this one made the vector. */
  inputShape?: Shape | null;
  /** Every inbound shape, in "inputs" order (merge layers read these; others take the first as `input`). */
  inputs?: readonly Shape[];
  /** How messages name each inbound layer ("c1 (layer 1)"), in the same order. */
  inputLabels?: readonly string[];
}

export interface LayerKind<L extends LayerSpec = LayerSpec> {
  readonly type: L['type'];
  /** Keras's default layer name stem: dense, conv2d, max_pooling2d … */
  readonly kerasName: string;
  /** Fields that change the output shape: when one is invalid, shapes after the layer are unknown. */
  readonly shapeFields: readonly string[];
  activation(layer: L): string | null;
  infer(input: Shape, layer: L, ctx: LayerContext): InferOutcome;
  /** Forward multiply-accumulates per sample; elementwise layers count 0, as papers usually report. */
  macs(input: Shape, output: Shape, layer: L): number;
}

type Of<T extends LayerType> = Extract<LayerSpec, { type: T }>;

const dense: LayerKind<Of<'Dense'>> = {
  type: 'Dense',
  kerasName: 'dense',
  shapeFields: ['units'],
  activation: (l) => l.activation,
  infer(input, l, ctx) {
    const params = product(input) * l.units + (l.useBias ? l.units : 0);
    if (input.length === 1) return ok([l.units], params);
    // Keras would apply Dense to the channel axis; here that is almost always a forgotten Flatten, so it is an error.
    return {
      ok: false,
      issues: [{ message: `${ctx.label} gets a ${dimsText(input)} feature map: add Flatten or GlobalAveragePooling2D before it` }],
      recovered: { outputShape: [l.units], params, trainable: params },
    };
  },
  macs: (input, _out, l) => product(input) * l.units,
};

const conv2d: LayerKind<Of<'Conv2D'>> = {
  type: 'Conv2D',
  kerasName: 'conv2d',
  shapeFields: ['filters', 'kernelSize', 'strides', 'padding', 'dilationRate'],
  activation: (l) => l.activation,
  infer(input, l, ctx) {
    const flat = needsImage(input, ctx);
    if (flat || !isImage(input)) return { ok: false, issues: [flat!], recovered: null };
    const k = pair(l.kernelSize);
    const rate = pair(l.dilationRate ?? 1);
    const bad = dilationIssue(pair(l.strides), rate, ctx);
    if (bad) return { ok: false, issues: [bad], recovered: null };
    const hw = slide(input, dilated(k, rate), pair(l.strides), l.padding, 'kernel', 'kernelSize', ctx);
    if (!Array.isArray(hw)) return { ok: false, issues: [hw], recovered: null };
    return ok([hw[0], hw[1], l.filters], k[0] * k[1] * input[2] * l.filters + (l.useBias ? l.filters : 0));
  },
  macs: (input, out, l) => {
    const k = pair(l.kernelSize);
    return product(out) * k[0] * k[1] * input[2];
  },
};

type Pool = Of<'MaxPooling2D'> | Of<'AveragePooling2D'>;

function pooling<T extends Pool['type']>(type: T, kerasName: string): LayerKind<Of<T>> {
  const kind: LayerKind<Pool> = {
    type,
    kerasName,
    shapeFields: ['poolSize', 'strides', 'padding'],
    activation: () => null,
    infer(input, l, ctx) {
      const flat = needsImage(input, ctx);
      if (flat || !isImage(input)) return { ok: false, issues: [flat!], recovered: null };
      const pool = pair(l.poolSize);
      const hw = slide(input, pool, pair(l.strides ?? pool), l.padding, 'pool', 'poolSize', ctx);
      if (!Array.isArray(hw)) return { ok: false, issues: [hw], recovered: null };
      return ok([hw[0], hw[1], input[2]]);
    },
    macs: () => 0,
  };
  return kind as unknown as LayerKind<Of<T>>;
}

const flatten: LayerKind<Of<'Flatten'>> = {
  type: 'Flatten',
  kerasName: 'flatten',
  shapeFields: [],
  activation: () => null,
  infer: (input) => ok([product(input)]),
  macs: () => 0,
};

const dropout: LayerKind<Of<'Dropout'>> = {
  type: 'Dropout',
  kerasName: 'dropout',
  shapeFields: [],
  activation: () => null,
  infer: (input) => ok([...input]),
  macs: () => 0,
};

const batchNormalization: LayerKind<Of<'BatchNormalization'>> = {
  type: 'BatchNormalization',
  kerasName: 'batch_normalization',
  shapeFields: [],
  activation: () => null,
  // gamma and beta train; the moving mean and variance are updated, not trained: 4·C params, 2·C trainable.
  infer: (input) => {
    const channels = input[input.length - 1];
    return ok([...input], 4 * channels, 2 * channels);
  },
  macs: () => 0,
};

const globalAveragePooling2D: LayerKind<Of<'GlobalAveragePooling2D'>> = {
  type: 'GlobalAveragePooling2D',
  kerasName: 'global_average_pooling2d',
  shapeFields: [],
  activation: () => null,
  infer(input, _l, ctx) {
    const flat = needsImage(input, ctx);
    if (flat) return { ok: false, issues: [flat], recovered: { outputShape: [...input], params: 0, trainable: 0 } };
    return ok([input[2]]);
  },
  macs: () => 0,
};

/** Every layer type the spec allows, mapped to its kind; the mapped type makes a missing kind a compile error. */
export const LAYER_KINDS: { readonly [T in LayerType]: LayerKind<Of<T>> } = {
  Dense: dense,
  Conv2D: conv2d,
  MaxPooling2D: pooling('MaxPooling2D', 'max_pooling2d'),
  AveragePooling2D: pooling('AveragePooling2D', 'average_pooling2d'),
  Flatten: flatten,
  Dropout: dropout,
  BatchNormalization: batchNormalization,
  GlobalAveragePooling2D: globalAveragePooling2D,
  ...NEW_KINDS,
};

export function kindOf<L extends LayerSpec>(layer: L): LayerKind<L> {
  return LAYER_KINDS[layer.type] as unknown as LayerKind<L>;
}
