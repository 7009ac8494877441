// Sweep contract: how a run records that it is one trial of a hyperparameter sweep (stored in its config).
import { z } from 'zod';

/** Sweep ids are shared by every trial (across machines), so they are plain names safe in files and URLs. */
export const SweepIdSchema = z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'sweep id may hold only letters, digits, _, . and -');

const scalar = z.union([z.number().min(-1e15).max(1e15), z.string().max(500), z.boolean(), z.literal(null)]);
const flat = z.union([scalar, z.array(scalar).max(100)]);
/** A swept value: a number, string, boolean, a short list (kernel sizes), or a flat object (e.g. a whole optimizer). */
const SweepValueSchema = z.union([flat, z.record(z.string().max(100), flat).refine((r) => Object.keys(r).length <= 50, 'at most 50 fields')]);

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
