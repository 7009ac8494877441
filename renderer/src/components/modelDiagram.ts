// Renderer (pure): the boxes of the model diagram, from a draft's layers and its shape report.
import type { ShapeReport } from '../../../shared/model/inferShapes.js';

export type NodeGroup = 'input' | 'conv' | 'pool' | 'dense' | 'reshape' | 'regular' | 'norm';

export interface DiagramNode {
  key: string;
  group: NodeGroup;
  title: string;
  /** The settings that matter at a glance: "32 · 3×3 · relu". */
  detail: string;
  /** "26×26×32", or "?" where inference stopped. */
  shape: string;
  params: number | null;
  bad: boolean;
}

const GROUP: Record<string, NodeGroup> = {
  Conv2D: 'conv', MaxPooling2D: 'pool', AveragePooling2D: 'pool', GlobalAveragePooling2D: 'pool',
  Dense: 'dense', Flatten: 'reshape', Dropout: 'regular', BatchNormalization: 'norm',
  DepthwiseConv2D: 'conv', SeparableConv2D: 'conv', LayerNormalization: 'norm', GlobalMaxPooling2D: 'pool', ZeroPadding2D: 'reshape',
  SpatialDropout2D: 'regular', GaussianNoise: 'regular', LeakyReLU: 'reshape', PReLU: 'reshape', Add: 'reshape', Concatenate: 'reshape',
};

const win = (v: unknown): string => (Array.isArray(v) ? v.join('×') : typeof v === 'number' ? `${v}×${v}` : '?');

function detailOf(l: Record<string, unknown>): string {
  const parts: string[] = [];
  switch (l.type) {
    case 'DepthwiseConv2D':
    case 'SeparableConv2D':
    case 'Conv2D':
      parts.push(...(l.type === 'DepthwiseConv2D' ? [] : [String(l.filters ?? '?')]), win(l.kernelSize));
      if (l.dilationRate !== undefined && l.dilationRate !== 1) parts.push(`d${Array.isArray(l.dilationRate) ? l.dilationRate.join('×') : String(l.dilationRate)}`);
      if (l.strides !== undefined && l.strides !== 1) parts.push(`/${Array.isArray(l.strides) ? l.strides.join('×') : String(l.strides)}`);
      if (l.padding === 'same') parts.push('same');
      break;
    case 'MaxPooling2D':
    case 'AveragePooling2D':
      parts.push(win(l.poolSize));
      break;
    case 'Dense':
      parts.push(String(l.units ?? '?'));
      break;
    case 'Dropout':
    case 'SpatialDropout2D':
      parts.push(String(l.rate ?? '?'));
      break;
    case 'Add':
    case 'Concatenate':
      parts.push(Array.isArray(l.inputs) ? l.inputs.join(' + ') : '?');
      break;
  }
  if (typeof l.activation === 'string' && l.activation !== 'linear') parts.push(l.activation);
  return parts.join(' · ');
}

const dims = (shape: readonly (number | null)[]): string => shape.filter((d) => d !== null).join('×');

export function diagramNodes(inputShape: readonly number[], layers: readonly Record<string, unknown>[], report: ShapeReport): DiagramNode[] {
  const badLayers = new Set(report.issues.map((i) => i.layerIndex).filter((i): i is number => i !== null));
  const input: DiagramNode = {
    key: 'input', group: 'input', title: 'Input', detail: inputShape.length === 3 ? 'image' : 'vector',
    shape: dims(inputShape), params: null, bad: report.issues.some((i) => i.layerIndex === null && i.field === 'inputShape'),
  };
  return [input, ...layers.map((l, i): DiagramNode => {
    const inferred = report.layers[i];
    const type = typeof l.type === 'string' ? l.type : '?';
    return {
      key: String(i),
      group: GROUP[type] ?? 'reshape',
      title: type,
      detail: detailOf(l),
      shape: inferred && !badLayers.has(i) ? dims(inferred.outputShape) : '?',
      params: inferred ? inferred.params : null,
      bad: badLayers.has(i),
    };
  })];
}
