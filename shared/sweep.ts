// Sweep contract: how a run records that it is one trial of a hyperparameter sweep (stored in its config).
import { z } from 'zod';

/** Sweep ids are shared by every trial (across machines), so they are plain names safe in files and URLs. */
export const SweepIdSchema = z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'sweep id may hold only letters, digits, _, . and -');

/** A swept value: a number, string, boolean, or a small JSON object (e.g. a whole optimizer). */
const SweepValueSchema = z.unknown().refine((v) => v !== undefined && JSON.stringify(v).length <= 10_000, 'a swept value must be JSON of at most 10,000 characters');

export const SweepInfoSchema = z.object({
  id: SweepIdSchema,
  /** The sweep's name as the experiment file gave it (or the run's name). */
  name: z.string().min(1).max(200),
  method: z.enum(['grid', 'random']),
  /** This trial's index, 0-based, among all the sweep's trials (shards included). */
  index: z.number().int().min(0).max(100_000),
  trials: z.number().int().min(1).max(100_000),
  /** The swept paths (e.g. "hyper.learningRate") and the value this trial took. */
  params: z.record(z.string().min(1).max(300), SweepValueSchema).refine((r) => Object.keys(r).length <= 100, 'at most 100 swept paths'),
});
export type SweepInfo = z.infer<typeof SweepInfoSchema>;
