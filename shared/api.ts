// The request/response contract between renderer and main (IPC or WebSocket): one entry per request.
import { DRAFT_REQUESTS } from './drafts.js';
import { z } from 'zod';
import { ModelSpecSchema } from './spec.js';
import { HyperparametersSchema } from './hyper.js';
import {
  BackendInfoSchema, BackendNameSchema, EnvironmentSchema, DataSourceSchema, PredictionsSchema,
  GpuAdapterInfoSchema, RunDetailSchema, RunIdSchema, RunSummarySchema, TrainEventSchema, TrainRequestSchema,
} from './run.js';
import { DatasetStatsSchema, DataProgressSchema } from './data.js';
import { CalibrationSchema, EmbeddingMethodSchema, EmbeddingSchema, InsightProgressSchema, TrainingHistogramsSchema } from './insight.js';
import { ExplainRequestSchema, ExplainResponseSchema, FeatureMapsRequestSchema, FeatureMapsResponseSchema } from './explain.js';

/**
 * Largest run archive (.tar.gz bytes) an import accepts, from the renderer, a file dialog or the WebSocket: a run folder
 * with a model of a few hundred MB. Weights barely compress, so this is also about the largest model that can travel.
 * Its base64 form must stay below V8's longest string (2^29 - 24 characters).
 */
export const MAX_RUN_ARCHIVE_BYTES = 256 * 1024 ** 2;
/** The same limit as base64 characters (the `archive` field of importRun). */
export const MAX_RUN_ARCHIVE_BASE64 = Math.ceil(MAX_RUN_ARCHIVE_BYTES / 3) * 4;
/** Longest path the contract carries (PATH_MAX on Linux). */
export const MAX_PATH_LENGTH = 4096;
/** Most events one run's log may be asked from or answer with (batch events of a long run included). */
export const MAX_EVENTS = 10_000_000;

/** Bounds of free text in responses: long enough for any message the engine writes, short enough to refuse garbage. */
const message = z.string().max(20_000);
const fileName = z.string().max(MAX_PATH_LENGTH);

export const PresetSchema = z.object({
  id: z.string().max(64),
  title: z.string().max(200),
  description: z.string().max(2000),
  model: ModelSpecSchema,
  hyper: HyperparametersSchema,
});
export type Preset = z.infer<typeof PresetSchema>;

export const SettingsSchema = z.object({
  /** Absolute path of the Fashion-MNIST folder (checked and normalised by the engine), or null to search. */
  dataDir: z.string().max(MAX_PATH_LENGTH).nullable(),
  theme: z.enum(['system', 'light', 'dark']).default('system'),
  maxConcurrentRuns: z.number().int().min(1).max(2).default(2),
});
export type Settings = z.infer<typeof SettingsSchema>;

const runIdReq = z.object({ runId: RunIdSchema });
const ok = z.object({ ok: z.literal(true) });

/** Every request the renderer can make: name → request schema and response schema. */
export const requests = {
  getEnvironment: {
    request: z.object({}),
    response: z.object({
      environment: EnvironmentSchema,
      backend: BackendInfoSchema,
      available: z.array(BackendNameSchema).max(8),
      /** The adapter an explicit webgpu choice runs on (null: none here); absent from older servers. */
      webgpuAdapter: GpuAdapterInfoSchema.nullable().optional(),
      runsDir: z.string().max(MAX_PATH_LENGTH),
      mode: z.enum(['electron', 'browser']),
    }),
  },
  getSettings: { request: z.object({}), response: SettingsSchema },
  setSettings: { request: SettingsSchema.partial(), response: SettingsSchema },
  /** Locate and verify the data set (downloads if nothing is found and download is true). */
  getDataStatus: {
    request: z.object({ download: z.boolean().default(false) }),
    response: z.object({ found: z.boolean(), source: DataSourceSchema.nullable(), error: message.nullable(), searched: z.array(message).max(100) }),
  },
  getDatasetStats: { request: z.object({}), response: DatasetStatsSchema },
  /** Raw 28×28 uint8 pixels, base64, concatenated in the order asked. */
  getImages: {
    request: z.object({ split: z.enum(['train', 'test']), indices: z.array(z.number().int().min(0).max(59999)).max(2000) }),
    response: z.object({ pixels: z.string().max(Math.ceil((2000 * 784) / 3) * 4) }),
  },
  listPresets: { request: z.object({}), response: z.array(PresetSchema).max(100) },
  startRun: { request: TrainRequestSchema, response: z.object({ runIds: z.array(RunIdSchema).max(20), groupId: z.string().max(128).nullable() }) },
  cancelRun: { request: runIdReq, response: ok },
  /** Continue a stored run from its last checkpoint, same id, up to `epochs` total epochs (default: its own target). */
  resumeRun: {
    request: z.object({ runId: RunIdSchema, epochs: z.number().int('total epochs must be a whole number').min(1).max(1000, 'at most 1000 epochs').optional() }),
    response: z.object({ runId: RunIdSchema, epochs: z.number().int().min(1).max(1000) }),
  },
  listRuns: { request: z.object({}), response: z.array(RunSummarySchema).max(100_000) },
  getRun: { request: runIdReq, response: RunDetailSchema },
  /** The run's event log from index `since` on, for catching up after a reload. */
  getRunEvents: {
    request: z.object({ runId: RunIdSchema, since: z.number().int().min(0).max(MAX_EVENTS).default(0) }),
    response: z.object({ events: z.array(TrainEventSchema).max(MAX_EVENTS), next: z.number().int().min(0).max(MAX_EVENTS) }),
  },
  getPredictions: { request: runIdReq, response: PredictionsSchema },
  renameRun: { request: z.object({ runId: RunIdSchema, name: z.string().min(1).max(200) }), response: ok },
  tagRun: { request: z.object({ runId: RunIdSchema, tags: z.array(z.string().min(1).max(40)).max(20) }), response: ok },
  deleteRun: { request: runIdReq, response: ok },
  /** Archive (tar.gz, base64) of one run folder; the desktop shell saves it through a dialog. */
  exportRun: { request: runIdReq, response: z.object({ fileName, archive: z.string().max(MAX_RUN_ARCHIVE_BASE64) }) },
  /** `archive` is base64 of at most MAX_RUN_ARCHIVE_BYTES; the desktop shell's '' means "ask with a dialog". */
  importRun: {
    request: z.object({ archive: z.string().max(MAX_RUN_ARCHIVE_BASE64, `a run archive may be at most ${MAX_RUN_ARCHIVE_BYTES / 1024 ** 2} MiB`) }),
    response: z.object({ runId: RunIdSchema }),
  },
  /** PDF comparison report of stored runs (base64); the desktop shell saves it through a dialog. */
  exportReport: {
    request: z.object({
      runIds: z.array(RunIdSchema).min(1).max(40),
      title: z.string().min(1).max(200).optional(),
      pageSize: z.enum(['A4', 'LETTER']).default('A4'),
    }),
    response: z.object({ fileName, pdf: z.string().max(MAX_RUN_ARCHIVE_BASE64), warnings: z.array(message).max(200) }),
  },
  /** Per-epoch weight/gradient histograms recorded during training; null for runs trained before they existed. */
  getTrainingHistograms: { request: runIdReq, response: TrainingHistogramsSchema.nullable() },
  /** Calibration of a finished run's test predictions (computed from its model in a worker on first request, then cached). */
  getCalibration: { request: runIdReq, response: CalibrationSchema },
  /** 2-D projection of the test set's penultimate-layer activations (computed in a worker, then cached). */
  getEmbedding: { request: z.object({ runId: RunIdSchema, method: EmbeddingMethodSchema.default('pca') }), response: EmbeddingSchema },
  /** Attribution maps (Grad-CAM, saliency, SmoothGrad, integrated gradients) for one image of a finished run's split. */
  explainImage: { request: ExplainRequestSchema, response: ExplainResponseSchema },
  /** Every layer's activations for one image, and the first conv layer's filters. */
  getFeatureMaps: { request: FeatureMapsRequestSchema, response: FeatureMapsResponseSchema },
  ...DRAFT_REQUESTS,
} as const;

export type Requests = typeof requests;
export type RequestName = keyof Requests;
export type RequestOf<K extends RequestName> = z.input<Requests[K]['request']>;
export type ParsedRequestOf<K extends RequestName> = z.output<Requests[K]['request']>;
export type ResponseOf<K extends RequestName> = z.output<Requests[K]['response']>;
export const REQUEST_NAMES = Object.keys(requests) as RequestName[];

/** Events pushed from main to renderer. */
export const PushEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('train'), event: TrainEventSchema }),
  z.object({ kind: z.literal('dataProgress'), progress: DataProgressSchema }),
  z.object({ kind: z.literal('insightProgress'), progress: InsightProgressSchema }),
]);
export type PushEvent = z.infer<typeof PushEventSchema>;

/** The typed API the renderer sees (window.workbench in Electron, a WebSocket client in a browser). */
export type WorkbenchApi = {
  [K in RequestName]: (request: RequestOf<K>) => Promise<ResponseOf<K>>;
} & {
  onEvent(listener: (event: PushEvent) => void): () => void;
};

/** What the engine side implements; ipc/ and server/ bind it after parsing the request. */
export type WorkbenchHandlers = {
  [K in RequestName]: (request: ParsedRequestOf<K>) => Promise<ResponseOf<K>>;
};

/** IPC channel for a request; all channels share one prefix. */
export const IPC_PREFIX = 'workbench:';
export const EVENT_CHANNEL = `${IPC_PREFIX}event`;
export function channelOf(name: RequestName): string {
  return `${IPC_PREFIX}${name}`;
}
