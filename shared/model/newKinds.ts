// Layer kinds beyond the seed's eight (shared contract layer, pure): Keras's shape rule, parameter count and MACs for each.
import type { LayerSpec, LayerType } from '../spec.js';
import { dimsText, isImage, pair, product, type Shape } from './geometry.js';
import { dilated, dilationIssue, needsImage, ok, slide } from './kindShared.js';
import type { InferOutcome, LayerContext, LayerKind } from './layerKinds.js';

type Of<T extends LayerType> = Extract<LayerSpec, { type: T }>;
type Depthwise = Of<'DepthwiseConv2D'> | Of<'SeparableConv2D'>;

/** The depthwise stage both kinds share: output H×W, the input channels, and the issue that stops them. */
function depthwiseStage(input: Shape, l: Depthwise, ctx: LayerContext): { hw: [number, number]; channels: number } | InferOutcome {
  const flat = needsImage(input, ctx);
  if (flat || !isImage(input)) return { ok: false, issues: [flat!], recovered: null };
  const rate = pair(l.dilationRate ?? 1);
  const bad = dilationIssue(pair(l.strides), rate, ctx);
  if (bad) return { ok: false, issues: [bad], recovered: null };
  const hw = slide(input, dilated(pair(l.kernelSize), rate), pair(l.strides), l.padding, 'kernel', 'kernelSize', ctx);
  if (!Array.isArray(hw)) return { ok: false, issues: [hw], recovered: null };
  return { hw, channels: input[2] };
}

const depthwiseConv2D: LayerKind<Of<'DepthwiseConv2D'>> = {
  type: 'DepthwiseConv2D',
  kerasName: 'depthwise_conv2d',
  shapeFields: ['kernelSize', 'strides', 'padding', 'depthMultiplier', 'dilationRate'],
  activation: (l) => l.activation,
  infer(input, l, ctx) {
    const s = depthwiseStage(input, l, ctx);
    if ('ok' in s) return s;
    const k = pair(l.kernelSize);
    const out = s.channels * l.depthMultiplier;
    // Keras: depthwise kernel kh·kw·C·m, bias C·m.
    return ok([s.hw[0], s.hw[1], out], k[0] * k[1] * out + (l.useBias ? out : 0));
  },
  macs: (_input, out, l) => {
    const k = pair(l.kernelSize);
    return product(out) * k[0] * k[1];
  },
};

const separableConv2D: LayerKind<Of<'SeparableConv2D'>> = {
  type: 'SeparableConv2D',
  kerasName: 'separable_conv2d',
  shapeFields: ['filters', 'kernelSize', 'strides', 'padding', 'depthMultiplier', 'dilationRate'],
  activation: (l) => l.activation,
  infer(input, l, ctx) {
    const s = depthwiseStage(input, l, ctx);
    if ('ok' in s) return s;
    const k = pair(l.kernelSize);
    const mid = s.channels * l.depthMultiplier;
    // Keras: depthwise kernel kh·kw·C·m, pointwise kernel C·m·filters, bias filters.
    return ok([s.hw[0], s.hw[1], l.filters], k[0] * k[1] * mid + mid * l.filters + (l.useBias ? l.filters : 0));
  },
  macs: (input, out, l) => {
    const k = pair(l.kernelSize);
    const positions = out[0] * out[1];
    const mid = input[input.length - 1] * l.depthMultiplier;
    return positions * mid * k[0] * k[1] + positions * mid * l.filters;
  },
};

const layerNormalization: LayerKind<Of<'LayerNormalization'>> = {
  type: 'LayerNormalization',
  kerasName: 'layer_normalization',
  shapeFields: [],
  activation: () => null,
  // Keras normalises over the last axis: gamma and beta of C each, both trained.
  infer: (input) => ok([...input], 2 * input[input.length - 1]),
  macs: () => 0,
};

const globalMaxPooling2D: LayerKind<Of<'GlobalMaxPooling2D'>> = {
  type: 'GlobalMaxPooling2D',
  kerasName: 'global_max_pooling2d',
  shapeFields: [],
  activation: () => null,
  infer(input, _l, ctx) {
    const flat = needsImage(input, ctx);
    if (flat) return { ok: false, issues: [flat], recovered: { outputShape: [...input], params: 0, trainable: 0 } };
    return ok([input[2]]);
  },
  macs: () => 0,
};

/** [[top, bottom], [left, right]] from Keras's three forms. */
export function zeroPadding(p: Of<'ZeroPadding2D'>['padding']): [[number, number], [number, number]] {
  if (typeof p === 'number') return [[p, p], [p, p]];
  if (typeof p[0] === 'number') {
    const [r, c] = p as [number, number];
    return [[r, r], [c, c]];
  }
  return p as [[number, number], [number, number]];
}

const zeroPadding2D: LayerKind<Of<'ZeroPadding2D'>> = {
  type: 'ZeroPadding2D',
  kerasName: 'zero_padding2d',
  shapeFields: ['padding'],
  activation: () => null,
  infer(input, l, ctx) {
    const flat = needsImage(input, ctx);
    if (flat || !isImage(input)) return { ok: false, issues: [flat!], recovered: null };
    const [[t, b], [left, r]] = zeroPadding(l.padding);
    return ok([input[0] + t + b, input[1] + left + r, input[2]]);
  },
  macs: () => 0,
};

const spatialDropout2D: LayerKind<Of<'SpatialDropout2D'>> = {
  type: 'SpatialDropout2D',
  kerasName: 'spatial_dropout2d',
  shapeFields: [],
  activation: () => null,
  infer(input, _l, ctx) {
    // Keras drops whole channels of a 4-D batch; a vector has no channels to drop.
    const flat = needsImage(input, ctx);
    if (flat) return { ok: false, issues: [{ ...flat, message: `${flat.message} (or use Dropout on vectors)` }], recovered: { outputShape: [...input], params: 0, trainable: 0 } };
    return ok([...input]);
  },
  macs: () => 0,
};

const identityKind = <T extends 'GaussianNoise' | 'LeakyReLU'>(type: T, kerasName: string): LayerKind<Of<T>> => ({
  type,
  kerasName,
  shapeFields: [],
  activation: () => (type === 'LeakyReLU' ? 'leaky_relu' : null),
  infer: (input: Shape) => ok([...input]),
  macs: () => 0,
}) as unknown as LayerKind<Of<T>>;

const pReLU: LayerKind<Of<'PReLU'>> = {
  type: 'PReLU',
  kerasName: 'p_re_lu',
  shapeFields: [],
  activation: () => 'prelu',
  infer(input, l, ctx) {
    const axes = l.sharedAxes ?? [];
    const bad = axes.find((a) => a > input.length);
    // Keras: one slope per element of the per-sample shape, 1 along each shared axis.
    const alphaShape = input.map((d, i) => (axes.includes(i + 1) ? 1 : d));
    if (bad !== undefined) {
      return {
        ok: false,
        issues: [{ field: 'sharedAxes', message: `${ctx.label}: sharedAxes names axis ${bad} but its input ${dimsText(input)} has ${input.length} axis${input.length === 1 ? '' : 'es'} (1-based, batch excluded)` }],
        recovered: { outputShape: [...input], params: product(alphaShape), trainable: product(alphaShape) },
      };
    }
    return ok([...input], product(alphaShape));
  },
  macs: () => 0,
};

/** The inbound shapes of a merge layer, or the issue when fewer than two are named. */
function mergeInputs(ctx: LayerContext): readonly Shape[] | string {
  const inputs = ctx.inputs ?? [];
  if (inputs.length >= 2) return inputs;
  return `${ctx.label} merges two or more layers: name them in "inputs", e.g. {"type": "${ctx.label.includes('Concatenate') ? 'Concatenate' : 'Add'}", "inputs": ["c1", "c2"]}`;
}

function listShapes(ctx: LayerContext, inputs: readonly Shape[]): string {
  return inputs.map((s, i) => `${ctx.inputLabels?.[i] ?? `input ${i + 1}`} ${dimsText(s)}`).join(', ');
}

const add: LayerKind<Of<'Add'>> = {
  type: 'Add',
  kerasName: 'add',
  shapeFields: ['inputs'],
  activation: () => null,
  infer(input, _l, ctx) {
    const inputs = mergeInputs(ctx);
    if (typeof inputs === 'string') return { ok: false, issues: [{ field: 'inputs', message: inputs }], recovered: { outputShape: [...input], params: 0, trainable: 0 } };
    const same = inputs.every((s) => s.length === inputs[0].length && s.every((d, i) => d === inputs[0][i]));
    if (same) return ok([...inputs[0]]);
    return {
      ok: false,
      issues: [{
        field: 'inputs',
        message: `${ctx.label}: Add needs inputs of one shape; got ${listShapes(ctx, inputs)}. `
          + "Use padding 'same' on the branch, or a 1×1 Conv2D projection to match the channels",
      }],
      recovered: null,
    };
  },
  macs: () => 0,
};

const concatenate: LayerKind<Of<'Concatenate'>> = {
  type: 'Concatenate',
  kerasName: 'concatenate',
  shapeFields: ['inputs'],
  activation: () => null,
  infer(input, _l, ctx) {
    const inputs = mergeInputs(ctx);
    if (typeof inputs === 'string') return { ok: false, issues: [{ field: 'inputs', message: inputs }], recovered: { outputShape: [...input], params: 0, trainable: 0 } };
    const first = inputs[0];
    const fits = inputs.every((s) => s.length === first.length && s.slice(0, -1).every((d, i) => d === first[i]));
    if (fits) return ok([...first.slice(0, -1), inputs.reduce((a, s) => a + s[s.length - 1], 0)]);
    return {
      ok: false,
      issues: [{
        field: 'inputs',
        message: `${ctx.label}: Concatenate joins along the channel axis, so all other sizes must match; got ${listShapes(ctx, inputs)}`,
      }],
      recovered: null,
    };
  },
  macs: () => 0,
};

/** Spread into LAYER_KINDS. */
export const NEW_KINDS = {
  DepthwiseConv2D: depthwiseConv2D,
  SeparableConv2D: separableConv2D,
  LayerNormalization: layerNormalization,
  GlobalMaxPooling2D: globalMaxPooling2D,
  ZeroPadding2D: zeroPadding2D,
  SpatialDropout2D: spatialDropout2D,
  GaussianNoise: identityKind('GaussianNoise', 'gaussian_noise'),
  LeakyReLU: identityKind('LeakyReLU', 'leaky_re_lu'),
  PReLU: pReLU,
  Add: add,
  Concatenate: concatenate,
} as const;
