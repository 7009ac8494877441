// CLI: the "sweep" block of an experiment file's run entry (schema only; expansion is in sweep.ts).
import { z } from 'zod';
import { SweepIdSchema } from '../../shared/sweep.js';

/** A range for random sweeps: uniform, or log-uniform with `log`; integer fields draw integers (or force with `int`). */
export const SweepRangeSchema = z.object({
  min: z.number(),
  max: z.number(),
  log: z.boolean().default(false),
  int: z.boolean().optional(),
}).strict().refine((r) => r.min <= r.max, { message: 'a range needs min ≤ max' })
  .refine((r) => !r.log || r.min > 0, { message: 'a log range needs min > 0' });
export type SweepRange = z.infer<typeof SweepRangeSchema>;

export const SweepValuesSchema = z.union([z.array(z.unknown()).min(1, 'a value list needs at least one value').max(10_000), SweepRangeSchema]);

export const SweepSpecSchema = z.object({
  method: z.enum(['grid', 'random']),
  /** random: how many trials (required); grid: at most this many of the grid's points, in order (default all). */
  trials: z.number().int().min(1).max(10_000).optional(),
  /** Seed of the random sampler (default: the run's hyper.seed). */
  seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
  /** Shared by every trial, on every machine; default: derived from the run entry, so all shards agree. */
  id: SweepIdSchema.optional(),
  name: z.string().min(1).max(200).optional(),
  /** Dotted paths into the run ("hyper.learningRate", "model.layers.0.filters", "data.limit") → values or a range. */
  space: z.record(z.string().min(1).max(300), SweepValuesSchema).refine((s) => Object.keys(s).length > 0, 'the space needs at least one path'),
  /**
   * Median stopping rule: after epoch `afterEpochs` and every later one, a trial whose best validation accuracy so far
   * is below the median of the other trials' at the same epoch (once `minTrials` of them got that far) is stopped.
   */
  earlyStop: z.object({
    rule: z.literal('median'),
    afterEpochs: z.number().int().min(1).max(1000).default(1),
    minTrials: z.number().int().min(1).max(1000).default(3),
  }).strict().optional(),
}).strict().refine((s) => s.method !== 'random' || s.trials !== undefined, { message: 'a random sweep needs "trials"', path: ['trials'] });
export type SweepSpec = z.infer<typeof SweepSpecSchema>;
