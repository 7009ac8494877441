// The explanation contract (shared): requests for attribution maps and feature maps of one image of a run's split,
// with the schemas that check them on the way in and out.
import { z } from 'zod';
import { RunIdSchema } from './run.js';

export const EXPLAIN_METHOD_NAMES = ['gradcam', 'saliency', 'smoothgrad', 'integrated-gradients'] as const;
export const ExplainMethodSchema = z.enum(EXPLAIN_METHOD_NAMES);
export type ExplainMethodName = z.infer<typeof ExplainMethodSchema>;
export const EXPLAIN_METHOD_LABELS: Record<ExplainMethodName, string> = {
  gradcam: 'Grad-CAM',
  saliency: 'Gradient saliency',
  smoothgrad: 'SmoothGrad',
  'integrated-gradients': 'Integrated gradients',
};

export const ExplainSplitSchema = z.enum(['test', 'validation', 'train']);
export type ExplainSplit = z.infer<typeof ExplainSplitSchema>;

const classIndex = z.number().int().min(0, 'a class is 0–9').max(9, 'a class is 0–9');
/** Keras-style layer names (conv2d, conv2d_1 …). */
const layerName = z.string().min(1).max(128).regex(/^[A-Za-z0-9_./-]+$/, 'a layer name holds only letters, digits, _ . / and -');

export const ExplainRequestSchema = z.object({
  runId: RunIdSchema,
  split: ExplainSplitSchema.default('test'),
  /** Position in the run's split (for the test split, the test-file index). */
  index: z.number().int().min(0).max(59_999),
  method: ExplainMethodSchema,
  /** Classes to explain; empty means the predicted class (or the `top` most probable). */
  classes: z.array(classIndex).max(10).default([]),
  /** With no classes given: explain the k most probable classes, most probable first (the inspector asks for 2). */
  top: z.number().int().min(1).max(10).optional(),
  /** With two classes A, B: also the map of "why A and not B" (the score logit A − logit B). */
  contrast: z.boolean().default(false),
  /** Grad-CAM's conv layer; null = the last one. */
  layer: layerName.nullable().default(null),
  /** SmoothGrad's noise seed. */
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
});
export type ExplainRequest = z.input<typeof ExplainRequestSchema>;

const heatmap = z.array(z.array(z.number().min(0)).min(28).max(28)).min(28).max(28);

export const ExplainMapSchema = z.object({
  cls: classIndex,
  /** Set for a contrast map: the class subtracted. */
  versus: classIndex.nullable(),
  heatmap,
});
export type ExplainMap = z.infer<typeof ExplainMapSchema>;

export const ExplainResponseSchema = z.object({
  runId: RunIdSchema,
  split: ExplainSplitSchema,
  index: z.number().int().min(0).max(59_999),
  label: classIndex,
  predicted: classIndex,
  probabilities: z.array(z.number().min(0).max(1)).min(10).max(10),
  method: ExplainMethodSchema,
  /** The conv layer Grad-CAM used (null for the other methods). */
  layer: z.string().max(128).nullable(),
  /** The model's conv layers, first to last (empty for a model without convolutions: Grad-CAM is then not offered). */
  convLayers: z.array(z.string().max(128)).max(200),
  maps: z.array(ExplainMapSchema).max(12),
  seconds: z.number().min(0),
});
export type ExplainResponse = z.infer<typeof ExplainResponseSchema>;

export const FeatureMapsRequestSchema = z.object({
  runId: RunIdSchema,
  split: ExplainSplitSchema.default('test'),
  index: z.number().int().min(0).max(59_999),
});
export type FeatureMapsRequest = z.input<typeof FeatureMapsRequestSchema>;

export const LayerActivationSchema = z.object({
  name: z.string().max(128),
  className: z.string().max(64),
  /** Per-sample output shape ([h, w, c] for conv/pool, [units] for dense). */
  shape: z.array(z.number().int().min(0).max(1_000_000)).max(4),
  mean: z.number(),
  /** Share of exact zeros (dead or inactive ReLU units for this image). */
  zeroShare: z.number().min(0).max(1),
  /** Conv and pool layers: the channels as h×w row-major images (at most 64 channels). */
  channels: z.array(z.array(z.number()).max(65_536)).max(64).nullable(),
});
export type LayerActivation = z.infer<typeof LayerActivationSchema>;

export const FeatureMapsResponseSchema = z.object({
  runId: RunIdSchema,
  split: ExplainSplitSchema,
  index: z.number().int().min(0).max(59_999),
  layers: z.array(LayerActivationSchema).max(200),
  /** The first conv layer's kernels (averaged over input channels), each kh×kw row-major; null without convolutions. */
  filters: z.object({ layer: z.string().max(128), height: z.number().int().min(1).max(64), width: z.number().int().min(1).max(64), kernels: z.array(z.array(z.number()).max(4096)).max(512) }).nullable(),
});
export type FeatureMapsResponse = z.infer<typeof FeatureMapsResponseSchema>;
