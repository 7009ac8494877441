// Experiment files and CLI flags → validated train requests (presets merged with overrides).
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { TrainRequestSchema, type TrainRequest, BackendChoiceSchema } from '../../shared/run.js';
import { ModelSpecSchema } from '../../shared/spec.js';
import { DataConfigSchema, HyperparametersSchema, SEED_HYPERPARAMETERS } from '../../shared/hyper.js';
import { getPreset, PRESETS } from '../engine/models/presets.js';
import { SweepSpecSchema } from './sweepSpec.js';

/** One run of an experiment file: a preset, a model, or both (the model replaces the preset's). */
export const ExperimentRunSchema = z.object({
  preset: z.string().optional(),
  name: z.string().optional(),
  model: ModelSpecSchema.optional(),
  hyper: z.record(z.string(), z.unknown()).optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  backend: BackendChoiceSchema.optional(),
  repeat: z.number().int().min(1).max(20).optional(),
  tags: z.array(z.string()).optional(),
  /** Expand this entry into one run per trial (sweep.ts). */
  sweep: SweepSpecSchema.optional(),
  /** Fine-tune from a stored run's weights; `freeze` lists layer indices that are not trained. */
  initFrom: z.object({ runId: z.string(), freeze: z.array(z.number().int().min(0)).optional() }).optional(),
}).refine((r) => r.preset || r.model, { message: 'each run needs a "preset" or a "model"' });

export const ExperimentFileSchema = z.object({
  name: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  runs: z.array(ExperimentRunSchema).min(1),
});
export type ExperimentRun = z.infer<typeof ExperimentRunSchema>;

export interface Overrides {
  epochs?: number;
  batchSize?: number;
  seed?: number;
  learningRate?: number;
  limit?: number;
  fullTest?: boolean;
  backend?: string;
  repeat?: number;
}

/** `seed` is the seed report's comparison: both of its models. */
export function presetRuns(preset: string): ExperimentRun[] {
  if (preset === 'seed') return [{ preset: 'seed-ann' }, { preset: 'seed-cnn' }];
  getPreset(preset);
  return [{ preset }];
}

export async function readExperimentFile(file: string): Promise<{ name?: string; runs: ExperimentRun[]; data?: Record<string, unknown> }> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read experiment file ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const parsed = ExperimentFileSchema.safeParse(json);
  if (!parsed.success) throw new Error(`experiment file ${file} is invalid:\n${formatIssues(parsed.error)}`);
  return parsed.data;
}

export function toTrainRequest(run: ExperimentRun, o: Overrides, sharedData?: Record<string, unknown>): TrainRequest {
  const preset = run.preset ? getPreset(run.preset) : null;
  const model = run.model ?? preset!.model;
  // A partial `hyper` fills its gaps from the preset's, or from the seed's setup (Adam 1e-3, batch 128, 10 epochs).
  const hyper: Record<string, unknown> = { ...(preset?.hyper ?? SEED_HYPERPARAMETERS), ...(run.hyper ?? {}) };
  if (o.epochs !== undefined) hyper.epochs = o.epochs;
  if (o.batchSize !== undefined) hyper.batchSize = o.batchSize;
  if (o.seed !== undefined) hyper.seed = o.seed;
  if (o.learningRate !== undefined) hyper.learningRate = o.learningRate;
  const data: Record<string, unknown> = { ...(sharedData ?? {}), ...(run.data ?? {}) };
  if (o.limit !== undefined) data.limit = o.limit;
  if (o.fullTest) data.fullTest = true;
  const where = run.preset ? `preset ${run.preset}` : `model ${model.name}`;
  const h = HyperparametersSchema.safeParse(hyper);
  if (!h.success) throw new Error(`hyperparameters of ${where} are invalid:\n${formatIssues(h.error)}`);
  const d = DataConfigSchema.safeParse(data);
  if (!d.success) throw new Error(`data settings of ${where} are invalid:\n${formatIssues(d.error)}`);
  const req = TrainRequestSchema.safeParse({
    name: run.name ?? run.preset ?? model.name, preset: run.preset, model, hyper: h.data, data: d.data,
    backend: o.backend ?? run.backend ?? 'auto', tags: run.tags ?? [], repeat: o.repeat ?? run.repeat ?? 1,
    ...(run.initFrom ? { initFrom: run.initFrom } : {}),
  });
  if (!req.success) throw new Error(`run ${where} is invalid:\n${formatIssues(req.error)}`);
  return req.data;
}

export function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`).join('\n');
}

export const PRESET_IDS = ['seed', ...PRESETS.map((p) => p.id)];
