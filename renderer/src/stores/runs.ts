// Renderer store (runs): the run list, each run's details, and live histories merged from pushed events and the run log.
import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import type { PushEvent } from '../../../shared/api.js';
import type {
  EpochSummary, RunDetail, RunSummary, TestMetrics, TrainBegin, TrainEvent, TrainRequestInput,
} from '../../../shared/run.js';
import { api, host } from '../api/host.js';
import { errorMessage } from '../api/errors.js';

export type BatchEnd = Extract<TrainEvent, { type: 'batchEnd' }>;
export type TrainEnd = Extract<TrainEvent, { type: 'trainEnd' }>;
/** `t`: when the batch ended (ms since 1970, the event's time), for the wall-clock axis. */
export interface BatchPoint { epoch: number; batch: number; batches: number; loss: number; accuracy: number; t?: number }

/** What the UI knows of one run from its events: enough for live curves, progress and the outcome. */
export interface LiveRun {
  runId: string;
  queuedPosition: number | null;
  begin: TrainBegin | null;
  epochs: EpochSummary[];
  batches: BatchPoint[];
  lastBatch: BatchEnd | null;
  test: TestMetrics | null;
  end: TrainEnd | null;
  /** Index into the run's event log up to which getRunEvents has been read. */
  next: number;
}

export const ACTIVE_STATUSES = new Set(['queued', 'running']);

function emptyLive(runId: string): LiveRun {
  return { runId, queuedPosition: null, begin: null, epochs: [], batches: [], lastBatch: null, test: null, end: null, next: 0 };
}

const batchKey = (p: { epoch: number; batch: number }) => p.epoch * 1_000_000 + p.batch;

/**
 * Merges one event into a live run. Idempotent and order-tolerant, because the same event can arrive
 * twice (pushed live and read back from the log after a reload or reconnect).
 */
export function applyEvent(run: LiveRun, e: TrainEvent): void {
  switch (e.type) {
    case 'queued':
      if (!run.begin) run.queuedPosition = e.position;
      break;
    case 'trainBegin':
      // A resumed run begins again after its earlier end: it is running, not ended.
      if (run.end && run.end.t <= e.t) run.end = null;
      run.begin = e;
      run.queuedPosition = null;
      break;
    case 'batchEnd': {
      const point: BatchPoint = { epoch: e.epoch, batch: e.batch, batches: e.batches, loss: e.loss, accuracy: e.accuracy, t: e.t };
      const k = batchKey(point);
      const arr = run.batches;
      if (arr.length === 0 || batchKey(arr[arr.length - 1]) < k) arr.push(point);
      else {
        let lo = 0;
        let hi = arr.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (batchKey(arr[mid]) < k) lo = mid + 1;
          else hi = mid;
        }
        if (lo < arr.length && batchKey(arr[lo]) === k) arr[lo] = point;
        else arr.splice(lo, 0, point);
      }
      if (!run.lastBatch || batchKey(run.lastBatch) <= k) run.lastBatch = e;
      break;
    }
    case 'epochEnd': {
      const i = run.epochs.findIndex((x) => x.epoch >= e.summary.epoch);
      if (i < 0) run.epochs.push(e.summary);
      else if (run.epochs[i].epoch === e.summary.epoch) run.epochs[i] = e.summary;
      else run.epochs.splice(i, 0, e.summary);
      break;
    }
    case 'evaluated':
      run.test = e.test;
      break;
    case 'trainEnd':
      run.end = e;
      run.queuedPosition = null;
      break;
  }
}

export const useRunsStore = defineStore('runs', () => {
  const summaries = ref<RunSummary[]>([]);
  const live = reactive<Record<string, LiveRun>>({});
  const details = reactive<Record<string, RunDetail>>({});
  const error = ref<string | null>(null);
  const loaded = ref(false);
  let unsubscribe: (() => void) | null = null;
  let listTimer: ReturnType<typeof setTimeout> | null = null;

  const byId = computed(() => new Map(summaries.value.map((s) => [s.id, s])));
  /** Colour index per run: creation order, so a run keeps its colour in every view. */
  const colorIndex = computed(() => {
    const sorted = [...summaries.value].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    return new Map(sorted.map((s, i) => [s.id, i]));
  });
  const active = computed(() => summaries.value.filter((s) => ACTIVE_STATUSES.has(s.status)));
  const finished = computed(() => summaries.value.filter((s) => s.status === 'finished'));

  function liveRun(runId: string): LiveRun {
    if (!live[runId]) live[runId] = emptyLive(runId);
    return live[runId];
  }

  function onTrainEvent(e: TrainEvent) {
    applyEvent(liveRun(e.runId), e);
    const s = byId.value.get(e.runId);
    if (!s) {
      scheduleListRefresh();
      return;
    }
    if (e.type === 'trainBegin') s.status = 'running';
    if (e.type === 'epochEnd') s.epochsDone = Math.max(s.epochsDone, e.summary.epoch + 1);
    if (e.type === 'evaluated') {
      s.testAccuracy = e.test.accuracy;
      s.macroF1 = e.test.report.macro.f1;
    }
    if (e.type === 'trainEnd') {
      s.status = e.status;
      delete details[e.runId];
      scheduleListRefresh();
    }
  }

  function onPush(p: PushEvent) {
    if (p.kind === 'train') onTrainEvent(p.event);
  }

  function scheduleListRefresh(delay = 250) {
    if (listTimer) return;
    listTimer = setTimeout(() => {
      listTimer = null;
      void refreshList();
    }, delay);
  }

  async function refreshList() {
    try {
      summaries.value = await api().listRuns({});
      error.value = null;
    } catch (err) {
      error.value = errorMessage(err);
    } finally {
      loaded.value = true;
    }
  }

  /** Reads the run's log from where this store stopped; live events arriving meanwhile merge without duplicates. */
  async function catchUp(runId: string) {
    const run = liveRun(runId);
    const { events, next } = await api().getRunEvents({ runId, since: run.next });
    for (const e of events) applyEvent(run, e);
    run.next = Math.max(run.next, next);
  }

  async function catchUpActive() {
    await refreshList();
    await Promise.all(active.value.map((s) => catchUp(s.id).catch((err) => console.error(`workbench: catching up run ${s.id} failed: ${errorMessage(err)}`))));
  }

  /** Subscribes to pushed events first, then reads the list and the logs of active runs, so no point falls between. */
  async function init() {
    if (!unsubscribe) {
      unsubscribe = api().onEvent(onPush);
      host().onReconnect(() => void catchUpActive());
    }
    await catchUpActive();
  }

  async function detail(runId: string, force = false): Promise<RunDetail> {
    if (!force && details[runId]) return details[runId];
    const d = await api().getRun({ runId });
    details[runId] = d;
    return d;
  }

  /** Epoch history of a run: live if it is being watched, otherwise from its stored detail. */
  function epochsOf(runId: string): EpochSummary[] {
    const l = live[runId];
    if (l && l.epochs.length > 0) return l.epochs;
    return details[runId]?.epochs ?? [];
  }

  /** Training-set size of a run, from its begin event (live or stored); null until the run has started and that is read. */
  function trainSizeOf(runId: string): number | null {
    return live[runId]?.begin?.splitSizes.train ?? details[runId]?.begin?.splitSizes.train
      ?? summaries.value.find((r) => r.id === runId)?.trainSize ?? null;
  }

  /** Run ids (with the status they had) whose detail was already asked for a training size, so a row is read once. */
  const sizeAsked = new Set<string>();
  /**
   * List rows do not carry the training-set size, so the runs table reads it from each run's stored detail:
   * a few at a time, once per run and status, skipping runs that have not started.
   */
  async function loadTrainSizes(rows: readonly RunSummary[], parallel = 3): Promise<void> {
    // Lists from this engine carry trainSize; only rows without it (older engines, runs not yet begun) are read.
    const todo = rows.filter((r) => r.status !== 'queued' && r.trainSize === undefined && trainSizeOf(r.id) === null && !sizeAsked.has(`${r.id}:${r.status}`));
    todo.forEach((r) => sizeAsked.add(`${r.id}:${r.status}`));
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const r = todo[next++];
        await detail(r.id).catch(() => undefined);
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, todo.length) }, worker));
  }

  async function start(request: TrainRequestInput): Promise<string[]> {
    const { runIds } = await api().startRun(request);
    runIds.forEach((id) => liveRun(id));
    await refreshList();
    return runIds;
  }

  /** Continues a stored run from its last checkpoint up to `epochs` total epochs (same id). */
  async function resume(runId: string, epochs?: number) {
    const r = await api().resumeRun({ runId, epochs });
    delete details[runId];
    liveRun(runId);
    await refreshList();
    return r;
  }

  async function cancel(runId: string) {
    await api().cancelRun({ runId });
  }

  async function rename(runId: string, name: string) {
    await api().renameRun({ runId, name });
    const s = byId.value.get(runId);
    if (s) s.name = name;
  }

  async function tag(runId: string, tags: string[]) {
    await api().tagRun({ runId, tags });
    const s = byId.value.get(runId);
    if (s) s.tags = tags;
  }

  async function remove(runId: string) {
    await api().deleteRun({ runId });
    summaries.value = summaries.value.filter((s) => s.id !== runId);
    delete live[runId];
    delete details[runId];
  }

  async function exportRun(runId: string) {
    return api().exportRun({ runId });
  }

  async function importRun(archiveBase64: string) {
    const { runId } = await api().importRun({ archive: archiveBase64 });
    await refreshList();
    return runId;
  }

  function dispose() {
    unsubscribe?.();
    unsubscribe = null;
    if (listTimer) clearTimeout(listTimer);
    listTimer = null;
  }

  return {
    summaries, live, details, error, loaded, byId, colorIndex, active, finished,
    init, refreshList, catchUp, catchUpActive, detail, epochsOf, trainSizeOf, loadTrainSizes, onPush, start, resume, cancel, rename, tag, remove, exportRun, importRun, dispose,
  };
});
