// Renderer (pure): which runs can be resumed and what is wrong with a "total epochs" entry, before asking the engine.
import type { RunStatus } from '../../../shared/run.js';

/** A run that is over (or was cut off) can continue from its last checkpoint; a live one cannot. */
export const RESUMABLE: ReadonlySet<RunStatus> = new Set(['finished', 'failed', 'cancelled', 'interrupted']);

/** Null when `value` is a valid total above the epochs already trained, else what to fix. */
export function resumeProblem(value: number | string, epochsDone: number): string | null {
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (String(value).trim() === '' || !Number.isInteger(n)) return 'total epochs must be a whole number';
  if (n <= epochsDone) return `the run has ${epochsDone} epoch${epochsDone === 1 ? '' : 's'}: give a total above ${epochsDone}`;
  if (n > 1000) return 'at most 1000 epochs';
  return null;
}
