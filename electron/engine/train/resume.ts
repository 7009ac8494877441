// Engine/train: resuming a stored run: checks that it can continue, records the resume in its config, and completes
// a log that missed the last checkpointed epoch (a kill between the checkpoint and its epochEnd event).
import os from 'node:os';
import path from 'node:path';
import { RunConfigSchema, type EpochSummary, type RunConfig, type TrainEvent } from '../../../shared/run.js';
import { HyperparametersSchema } from '../../../shared/hyper.js';
import type { RunStore } from '../runs/store.js';
import { readCheckpoint } from '../runs/checkpoint.js';
import { writeFileAtomic } from '../runs/atomic.js';
import { CONFIG, STATUS } from '../runs/files.js';
import { ownStatus } from '../runs/owner.js';
import { TrainingError } from './errors.js';

/**
 * Validates a resume of `runId` to `epochs` total epochs (default: the run's own target) and rewrites its config and
 * status for it; returns the config the run continues with. `busy`: runs this process is training or has queued.
 */
export async function prepareResume(store: RunStore, runId: string, epochs: number | undefined, busy: ReadonlySet<string>): Promise<RunConfig> {
  const detail = await store.get(runId);
  const { status } = detail.summary;
  if (busy.has(runId) || status === 'running' || status === 'queued') {
    throw new TrainingError(`run ${runId} is ${status === 'queued' ? 'queued' : 'still running'}: wait for it to end (or cancel it) before resuming it`, runId);
  }
  if (!detail.config) throw new TrainingError(`run ${runId} cannot be resumed: its config.json is unreadable (${detail.summary.damaged ?? 'unknown problem'})`, runId);
  const ckpt = await readCheckpoint(store.runDir(runId), 'last', runId);
  if (!ckpt) {
    throw new TrainingError(`run ${runId} has no checkpoint to resume from (it ended before its first epoch finished, or was trained before checkpoints existed): train it again instead`, runId);
  }
  const done = ckpt.state.epochsDone;
  const target = epochs ?? detail.config.request.hyper.epochs;
  if (target <= done) {
    throw new TrainingError(`run ${runId} has already trained ${done} epoch${done === 1 ? '' : 's'}: give a total above ${done} to continue it (--epochs N, or the Resume field)`, runId);
  }
  const hyper = HyperparametersSchema.safeParse({ ...detail.config.request.hyper, epochs: target });
  if (!hyper.success) throw new TrainingError(`cannot resume run ${runId} to ${target} epochs: ${hyper.error.issues[0]?.message}`, runId);
  const config = RunConfigSchema.parse({
    ...detail.config,
    request: { ...detail.config.request, hyper: hyper.data },
    resumes: [...(detail.config.resumes ?? []), { at: new Date().toISOString(), fromEpoch: done, toEpochs: target }],
  });
  const dir = store.runDir(runId);
  await writeFileAtomic(path.join(dir, CONFIG), JSON.stringify(config, null, 2));
  await writeFileAtomic(path.join(dir, STATUS), JSON.stringify(ownStatus('queued', undefined, os.hostname())));
  return config;
}

/** Logs the checkpointed epoch's summary if the log does not have it yet (the run was killed right after the checkpoint). */
export async function completeLog(store: RunStore, runId: string, summary: EpochSummary, emit: (e: TrainEvent) => Promise<void>): Promise<void> {
  const { events } = await store.events(runId);
  if (events.some((e) => e.type === 'epochEnd' && e.summary.epoch === summary.epoch)) return;
  await emit({ type: 'epochEnd', runId, t: Date.now(), summary });
}
