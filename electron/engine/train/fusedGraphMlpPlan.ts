// Which graph models the fused graph MLP step and inference take (engine layer): a functional model over 2-D tensors
// of Dense / LayerNormalization / PReLU / LeakyReLU / GaussianNoise / Dropout / Add / Concatenate (and Flatten of
// its input), ending in a Dense softmax, described as the nodes fusedGraphMlp.ts runs, in tfjs's own execution order.
import * as tf from '@tensorflow/tfjs';
import { isTrainingDense } from '../models/denseTraining.js';
import { leakyReLU, prelu } from '../models/graphOps.js';
import { asSeededDropout } from '../models/layerBuilders.js';
import { layerNormalization } from '../models/layerNorm.js';
import { gaussianNoise } from '../models/noise.js';
import { ACT, activationCode, type LayerVar } from './fusedMlpPlan.js';
import { sizeOf } from './step.js';

/** The seeded GaussianNoise of models/noise.ts: its seed and step counter (the taped call draws from seed·1,000,003 + step). */
export interface NoiseLayer { stddev: number; noiseSeed: number; steps: number }

/** A node reads tensors `ins` (indices into the plan's tensors) and writes tensor `out`; every tensor is [rows, width]. */
export type GraphNode =
  | { kind: 'dense'; ins: [number]; out: number; kernel: LayerVar; bias: LayerVar | null; inDim: number; width: number; act: number }
  | { kind: 'layerNorm'; ins: [number]; out: number; gamma: LayerVar | null; beta: LayerVar | null; epsilon: number; width: number }
  | { kind: 'prelu'; ins: [number]; out: number; alpha: LayerVar; width: number }
  | { kind: 'leaky'; ins: [number]; out: number; alpha: number; width: number }
  | { kind: 'noise'; ins: [number]; out: number; layer: NoiseLayer; width: number }
  | { kind: 'dropout'; ins: [number]; out: number; keep: number; layer: { nextMaskSeed(): string }; width: number }
  /** A layer that returns its input (Flatten of a 2-D tensor, noise or dropout that train as the identity): tfjs.Layer.apply clones it. */
  | { kind: 'identity'; ins: [number]; out: number; width: number }
  | { kind: 'add'; ins: number[]; out: number; width: number }
  | { kind: 'concat'; ins: number[]; out: number; width: number };

export interface GraphPlan {
  /** Width (features per row) of every tensor; tensor 0 is the model's input, flattened. */
  widths: number[];
  /** Whether a tensor's gradient is needed (some layer with weights lies before it), as the tape decides. */
  needsGrad: boolean[];
  /** In the order tfjs applies the layers (executionOrder), which is the order of their kernels on the tape. */
  nodes: GraphNode[];
  /** The output: a Dense softmax over the classes, read by no other node. */
  output: Extract<GraphNode, { kind: 'dense' }>;
}

export type GraphPlanResult = { plan: GraphPlan; reason: null } | { plan: null; reason: string };

/** tfjs-layers' SymbolicTensor, the fields read here. */
export interface Sym { id: number; name: string; shape: Array<number | null>; inputs: Sym[]; sourceLayer: tf.layers.Layer & { inboundNodes: unknown[] } }

/**
 * The symbolic tensors in the order tfjs computes them when a model is applied to a tensor (Container.call → execute,
 * tfjs-layers' getTopologicalSortAndRecipientCountsForOneFetch: a depth-first walk from the output, a layer's inputs
 * pushed first to last, so the last is visited first), which is the order its kernels go on the gradient tape.
 */
export function executionOrder(fetch: Sym, input: Sym): Sym[] {
  const visited = new Set<string>([input.name]);
  const sorted: Sym[] = [];
  const stack: Sym[] = [fetch];
  const marks: number[] = [];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (visited.has(top.name)) {
      stack.pop();
      continue;
    }
    const marked = marks[marks.length - 1] === stack.length - 1;
    if (top.inputs.length === 0 || marked) {
      stack.pop();
      sorted.push(top);
      visited.add(top.name);
      if (marked) marks.pop();
    } else {
      marks.push(stack.length - 1);
      for (const i of top.inputs) if (!visited.has(i.name)) stack.push(i);
    }
  }
  return sorted;
}

interface DenseFields { kernel?: LayerVar | null; bias?: LayerVar | null; units: number; activation?: { getClassName(): string } }


/** This app's layer classes (tfjs's subclassed), from one probe instance each: a plain tfjs layer computes differently. */
let classes: { layerNorm: object; prelu: object; leaky: object; noise: object } | null = null;
export function ourClasses() {
  classes ??= {
    layerNorm: layerNormalization({ name: 'graph_plan_ln_probe' }).constructor,
    prelu: prelu({ name: 'graph_plan_prelu_probe' }).constructor,
    leaky: leakyReLU({ name: 'graph_plan_leaky_probe' }).constructor,
    noise: gaussianNoise({ stddev: 1, name: 'graph_plan_noise_probe' }, 1).constructor,
  };
  return classes;
}
export const isA = (layer: tf.layers.Layer, cls: object) => Object.getPrototypeOf(layer) === (cls as { prototype: object }).prototype;

/**
 * The plan for `model`, or why it is not taken (the taped step and model.apply run it then). Sequential models are
 * fusedMlpPlan.ts's; this takes functional ones (tf.model) with one input and one output.
 */
export function graphMlpPlan(model: tf.LayersModel, inputShape: readonly number[], numClasses: number): GraphPlanResult {
  const no = (reason: string): GraphPlanResult => ({ plan: null, reason });
  if (model instanceof tf.Sequential) return no('a Sequential model (the fused MLP step\'s)');
  const m = model as unknown as { inputs: Sym[]; outputs: Sym[] };
  if (m.inputs?.length !== 1 || m.outputs?.length !== 1) return no('not a functional model with one input and one output');
  const ids = new Map<number, number>([[m.inputs[0].id, 0]]);
  const widths = [sizeOf(inputShape)];
  const needsGrad = [false];
  const flatInput = inputShape.length > 1;
  const nodes: GraphNode[] = [];
  const seen = new Set<tf.layers.Layer>();
  const { layerNorm, prelu: preluClass, leaky, noise } = ourClasses();
  for (const sym of executionOrder(m.outputs[0], m.inputs[0])) {
    const layer = sym.sourceLayer;
    const name = layer.getClassName();
    if (seen.has(layer) || layer.inboundNodes.length !== 1) return no(`layer ${layer.name} is applied more than once (shared weights)`);
    seen.add(layer);
    const ins = sym.inputs.map((t) => ids.get(t.id));
    if (ins.some((i) => i == null)) return no(`layer ${layer.name} reads a tensor computed later`);
    const inIdx = ins as number[];
    const rankOk = sym.inputs.every((t) => t.shape.length === 2 || (name === 'Flatten' && ids.get(t.id) === 0));
    if (!rankOk) return no(`layer ${layer.name} (${name}) reads a tensor of rank other than 2`);
    if (inIdx.includes(0) && flatInput && name !== 'Flatten') return no(`layer ${layer.name} reads the ${inputShape.length}-D input unflattened`);
    const width0 = widths[inIdx[0]];
    const weighted = (n: GraphNode, hasWeights: boolean) => {
      widths.push(n.width);
      needsGrad.push(hasWeights || n.ins.some((i) => needsGrad[i]));
      nodes.push(n);
    };
    const out = widths.length;
    if (name !== 'Add' && name !== 'Concatenate' && inIdx.length !== 1) return no(`layer ${layer.name} has ${inIdx.length} inputs`);
    const one: [number] = [inIdx[0]];
    if (name === 'Flatten') {
      weighted({ kind: 'identity', ins: one, out, width: width0 }, false);
    } else if (name === 'Dense') {
      if (!isTrainingDense(layer)) return no(`Dense ${layer.name} is not this app's Dense`);
      const f = layer as unknown as DenseFields;
      const kernel = f.kernel?.read();
      const outputTensor = sym.id === m.outputs[0].id;
      const act = activationCode(f.activation, outputTensor);
      if (kernel == null || kernel.shape.length !== 2 || kernel.shape[0] !== width0) return no(`Dense ${layer.name}: unexpected kernel shape`);
      if (act == null) return no(`Dense ${layer.name}: activation ${f.activation?.getClassName()} not run natively`);
      weighted({ kind: 'dense', ins: one, out, kernel: f.kernel!, bias: f.bias ?? null, inDim: width0, width: f.units, act }, true);
    } else if (name === 'LayerNormalization') {
      const f = layer as unknown as { axis: number[]; epsilon: number; gamma: LayerVar | null; beta: LayerVar | null };
      if (!isA(layer, layerNorm)) return no(`LayerNormalization ${layer.name} is not this app's`);
      if (f.axis.length !== 1 || (f.axis[0] !== 1 && f.axis[0] !== -1)) return no(`LayerNormalization ${layer.name} not over the last axis`);
      weighted({ kind: 'layerNorm', ins: one, out, gamma: f.gamma, beta: f.beta, epsilon: f.epsilon, width: width0 }, f.gamma != null || f.beta != null);
    } else if (name === 'PReLU') {
      const alpha = (layer as unknown as { alpha: LayerVar }).alpha;
      if (!isA(layer, preluClass)) return no(`PReLU ${layer.name} is not this app's`);
      const shape = alpha.read().shape;
      if (shape.length !== 1 || shape[0] !== width0) return no(`PReLU ${layer.name}: alpha shared over axes (shape [${shape}])`);
      weighted({ kind: 'prelu', ins: one, out, alpha, width: width0 }, true);
    } else if (name === 'LeakyReLU') {
      if (!isA(layer, leaky)) return no(`LeakyReLU ${layer.name} is not this app's`);
      weighted({ kind: 'leaky', ins: one, out, alpha: (layer as unknown as { alpha: number }).alpha, width: width0 }, false);
    } else if (name === 'GaussianNoise') {
      if (!isA(layer, noise)) return no(`GaussianNoise ${layer.name} is not this app's (seeded)`);
      const l = layer as unknown as NoiseLayer;
      weighted(l.stddev > 0 ? { kind: 'noise', ins: one, out, layer: l, width: width0 } : { kind: 'identity', ins: one, out, width: width0 }, false);
    } else if (name === 'Dropout') {
      const d = asSeededDropout(layer);
      if (d == null) return no(`Dropout ${layer.name} is not this app's (seeded)`);
      weighted(d.maskRate > 0 && d.maskRate < 1 ? { kind: 'dropout', ins: one, out, keep: Math.fround(1 - d.maskRate), layer: d, width: width0 }
        : { kind: 'identity', ins: one, out, width: width0 }, false);
    } else if (name === 'Add') {
      if (inIdx.some((i) => widths[i] !== width0)) return no(`Add ${layer.name}: inputs of different widths (broadcast)`);
      weighted({ kind: 'add', ins: inIdx, out, width: width0 }, false);
    } else if (name === 'Concatenate') {
      const axis = (layer as unknown as { axis: number }).axis;
      if (axis !== -1 && axis !== 1) return no(`Concatenate ${layer.name} not over the last axis`);
      weighted({ kind: 'concat', ins: inIdx, out, width: inIdx.reduce((s, i) => s + widths[i], 0) }, false);
    } else {
      return no(`layer ${layer.name}: ${name} is not in the fused graph plan`);
    }
    ids.set(sym.id, out);
  }
  const outIdx = ids.get(m.outputs[0].id);
  const output = nodes.find((n) => n.out === outIdx);
  if (output == null || output !== nodes.at(-1)) return no('the output is not the last node computed');
  if (output.kind !== 'dense' || output.act !== ACT.softmax || output.width !== numClasses) return no(`the output is not a Dense softmax over ${numClasses} classes`);
  if (nodes.some((n) => n.ins.includes(output.out))) return no('the softmax output is read by another layer');
  if (nodes.some((n) => n.kind === 'dense' && n.act === ACT.softmax && n !== output)) return no('a hidden softmax');
  return { plan: { widths, needsGrad, nodes, output }, reason: null };
}

/** The trainable variables of the plan's nodes, each once, by node: [kernel, bias] / [gamma, beta] / [alpha]. */
export function nodeVariables(n: GraphNode): tf.Variable[] {
  if (n.kind === 'dense') return [n.kernel.read(), ...(n.bias ? [n.bias.read()] : [])];
  if (n.kind === 'layerNorm') return [...(n.gamma ? [n.gamma.read()] : []), ...(n.beta ? [n.beta.read()] : [])];
  if (n.kind === 'prelu') return [n.alpha.read()];
  return [];
}
