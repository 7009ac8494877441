// Walks a raw model spec once (shared contract layer, pure): schema issues, shapes, params and per-layer geometry.
import { InputShapeSchema, LayerSpecSchema, ModelSpecSchema, LAYER_TYPES, type LayerSpec, type ModelSpec } from '../spec.js';
import { kindOf, type Inferred } from './layerKinds.js';
import { isRecord, issuesFromZod, rawLayerLabel, unknownFields } from './issues.js';
import { layerLabel, type LayerSummary, type ShapeReport, type SpecIssue } from './report.js';
import type { Shape } from './geometry.js';
import { danglingLayers, INPUT_INDEX, MODEL_INPUT, resolveGraph } from './graph.js';

/** One inferred layer with the shapes around it, for MAC counting and the tfjs cross-check. */
export interface Step {
  layer: LayerSpec;
  /** The first inbound shape (the only one except for merge layers). */
  input: Shape;
  output: Shape;
  /** Every inbound shape, in "inputs" order. */
  inputs?: Shape[];
}

export interface Analysis {
  report: ShapeReport;
  /** The parsed spec (defaults applied) when the schema accepts it, whatever the shape check says. */
  spec: ModelSpec | null;
  steps: Step[];
}

const MODEL_FIELDS = Object.keys(ModelSpecSchema.shape);
const LAYER_FIELDS = new Map<string, string[]>(LayerSpecSchema.options.map((o) => [o.shape.type.value, Object.keys(o.shape)]));

interface ParsedLayer {
  layer: LayerSpec;
  /** False when invalid non-shape fields were dropped so that inference could go on. */
  clean: boolean;
}

/** Parses one layer; failing that, drops the invalid fields that do not affect shapes and tries again. */
function parseLayer(raw: unknown, badFields: ReadonlySet<string>): ParsedLayer | null {
  const first = LayerSpecSchema.safeParse(raw);
  if (first.success) return { layer: first.data, clean: true };
  if (!isRecord(raw) || typeof raw.type !== 'string' || !LAYER_FIELDS.has(raw.type)) return null;
  const shapeFields = kindOf({ type: raw.type } as LayerSpec).shapeFields;
  if ([...badFields].some((f) => shapeFields.includes(f))) return null;
  const rest = Object.fromEntries(Object.entries(raw).filter(([k]) => !badFields.has(k)));
  const second = LayerSpecSchema.safeParse(rest);
  return second.success ? { layer: second.data, clean: false } : null;
}

function describe(layer: LayerSpec): string {
  return layer.type === 'Dense' ? `Dense(${layer.units}, ${layer.activation})` : layer.type;
}

/** The task has 10 classes and the loss expects probabilities, so the model must end in Dense(10, softmax). */
function outputIssue(index: number, parsed: ParsedLayer | null, raw: unknown): SpecIssue | null {
  const rawType = isRecord(raw) ? raw.type : undefined;
  if (!parsed?.clean && !(typeof rawType === 'string' && rawType !== 'Dense' && (LAYER_TYPES as readonly string[]).includes(rawType))) return null;
  const layer = parsed?.clean ? parsed.layer : null;
  if (layer?.type === 'Dense' && layer.units === 10 && layer.activation === 'softmax') return null;
  const field = layer?.type !== 'Dense' ? undefined : layer.units !== 10 ? 'units' : 'activation';
  const it = layer ? describe(layer) : String(rawType);
  return { layerIndex: index, field, message: `${rawLayerLabel(index, raw)}: the last layer must be Dense(10, softmax) for 10 classes; it is ${it}` };
}

function sortIssues(issues: SpecIssue[]): SpecIssue[] {
  const rank = (i: SpecIssue) => (i.layerIndex === null ? -1 : i.layerIndex);
  return issues.map((issue, n) => ({ issue, n })).sort((a, b) => rank(a.issue) - rank(b.issue) || a.n - b.n).map((x) => x.issue);
}

export function analyse(input: unknown): Analysis {
  const full = ModelSpecSchema.safeParse(input);
  const issues: SpecIssue[] = full.success ? [] : issuesFromZod(full.error.issues, input);
  const layers: LayerSummary[] = [];
  const steps: Step[] = [];
  let reachedEnd = false;

  if (isRecord(input)) {
    for (const f of unknownFields(input, MODEL_FIELDS)) {
      issues.push({ layerIndex: null, field: f, message: `unknown model field "${f}"; a model has ${MODEL_FIELDS.join(', ')}` });
    }
  }
  const rawLayers = isRecord(input) && Array.isArray(input.layers) ? input.layers : [];
  const badFields = (i: number) => new Set(issues.filter((x) => x.layerIndex === i && x.field).map((x) => x.field!));
  const parsed = rawLayers.map((raw, i) => parseLayer(raw, badFields(i)));
  rawLayers.forEach((raw, i) => {
    const known = isRecord(raw) && typeof raw.type === 'string' ? LAYER_FIELDS.get(raw.type) : undefined;
    for (const f of known ? unknownFields(raw as Record<string, unknown>, known) : []) {
      const fields = known!.filter((k) => !['type', 'name', 'inputs'].includes(k)).join(', ') || 'no other fields';
      issues.push({ layerIndex: i, field: f, message: `${rawLayerLabel(i, raw)}: unknown field "${f}"; ${String((raw as Record<string, unknown>).type)} takes ${fields} (any layer may also carry name and inputs)` });
    }
  });

  const inputShape = InputShapeSchema.safeParse(isRecord(input) ? input.inputShape : undefined);
  const graph = resolveGraph(rawLayers);
  issues.push(...graph.issues);
  // Shapes by layer index; the model input sits at INPUT_INDEX.
  const shapes = new Map<number, Shape>();
  if (inputShape.success) shapes.set(INPUT_INDEX, inputShape.data);
  const names: string[] = [];
  const explicit = new Set(parsed.flatMap((p) => (p?.layer.name ? [p.layer.name] : [])));
  const counters = new Map<string, number>();
  const autoName = (stem: string): string => {
    // Keras's counter per stem; a name a user gave another layer is skipped so that tfjs gets unique names.
    for (;;) {
      const seen = counters.get(stem) ?? 0;
      counters.set(stem, seen + 1);
      const name = seen === 0 ? stem : `${stem}_${seen}`;
      if (!explicit.has(name)) return name;
    }
  };
  const label = (j: number) => (j === INPUT_INDEX ? `"${MODEL_INPUT}" (the model input)` : `"${names[j]}" (layer ${j + 1})`);
  for (let i = 0; i < rawLayers.length; i++) {
    const p = parsed[i];
    if (!p) break; // an unparsable layer: nothing after it has a known input shape
    const from = graph.inbound[i];
    const inShapes = from?.map((j) => shapes.get(j));
    if (!from || !inShapes || inShapes.some((x) => x === undefined)) break;
    const shape = inShapes[0]!;
    const kind = kindOf(p.layer);
    const outcome = kind.infer(shape, p.layer, {
      label: layerLabel(i, p.layer.type), previous: parsed.slice(0, i).map((q) => q!.layer), inputShape: inputShape.success ? inputShape.data : null,
      inputs: inShapes as Shape[], inputLabels: from.map(label),
    });
    let out: Inferred | null;
    if (outcome.ok) out = outcome.out;
    else {
      issues.push(...outcome.issues.map((x) => ({ layerIndex: i, ...x })));
      out = outcome.recovered;
    }
    if (!out) break; // no output shape to carry on from
    names.push(p.layer.name ?? autoName(kind.kerasName));
    layers.push({
      index: i,
      type: p.layer.type,
      name: names[i],
      outputShape: [null, ...out.outputShape],
      params: out.params,
      trainableParams: out.trainable,
      activation: kind.activation(p.layer),
      ...(graph.isGraph ? { inputs: from.map((j) => (j === INPUT_INDEX ? MODEL_INPUT : names[j])) } : {}),
    });
    steps.push({ layer: p.layer, input: shape, output: out.outputShape, inputs: inShapes as Shape[] });
    shapes.set(i, out.outputShape);
    reachedEnd = i === rawLayers.length - 1;
  }
  if (reachedEnd && graph.isGraph) {
    for (const j of danglingLayers(graph.inbound)) {
      issues.push({ layerIndex: j, message: `${layerLabel(j, layers[j].type)} "${names[j]}": no later layer takes its output, so it is not part of the model; name it in a later layer's "inputs" or remove it` });
    }
  }
  const last = rawLayers.length - 1;
  const tail = last >= 0 ? outputIssue(last, parsed[last], rawLayers[last]) : null;
  if (tail) issues.push(tail);

  const totalParams = layers.reduce((a, l) => a + l.params, 0);
  const trainableParams = layers.reduce((a, l) => a + l.trainableParams, 0);
  const sorted = sortIssues(issues);
  return {
    report: {
      ok: sorted.length === 0,
      layers,
      totalParams,
      trainableParams,
      nonTrainableParams: totalParams - trainableParams,
      outputShape: reachedEnd ? layers[layers.length - 1].outputShape : null,
      issues: sorted,
    },
    spec: full.success ? full.data : null,
    steps,
  };
}
