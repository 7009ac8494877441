// Fuzz helper (tests): a seeded generator of hostile request frames for every request type of shared/api.ts.
import { gzipSync } from 'node:zlib';
import { REQUEST_NAMES, type RequestName } from '../../shared/api.js';
import { mulberry32 } from '../../electron/engine/data/rng.js';

/** One frame to send: `text` is sent as is (so it may be invalid JSON or hold NaN); `binary` sends bytes. */
export interface FuzzCase {
  /** The request type it targets, or a frame-level family ('frame:…'). */
  family: string;
  /** What the case does, for failure messages. */
  label: string;
  /** Wire id the reply must carry: the frame's own id, or -1 when it carries no usable one. */
  expectId: number;
  /** The method the frame names when it is well formed (its reply's result is checked against its schema). */
  method?: RequestName;
  text?: string;
  binary?: Buffer;
}

export interface FuzzContext {
  /** Stored runs: read-only requests may name them; requests that change a run never do. */
  storedRunIds: string[];
  dataDir: string;
  /** A valid exported archive (base64) of a stored run. */
  archive: string;
}

type Rng = () => number;
type Json = unknown;

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

/** JSON that JSON.stringify cannot write: spliced into the text in place of these markers. */
const RAW: Record<string, string> = { '"@@NaN@@"': 'NaN', '"@@Inf@@"': '1e400', '"@@-Inf@@"': '-1e400', '"@@neg0@@"': '-0', '"@@Infinity@@"': 'Infinity' };
const RAW_MARKERS = Object.keys(RAW).map((k) => JSON.parse(k) as string);

export const BIG_STRING = 'A'.repeat(1024 * 1024);

export const HOSTILE_IDS = [
  '', '.', '..', '../', '../../etc/passwd', '/etc/passwd', '..\\..\\windows', 'C:\\Windows', 'a/../../b', '%2e%2e%2f', '%2e%2e',
  'run\u0000', 'run\n', ' run', 'run ', '-run', '_run', '.hidden', 'run/..', 'run/.', 'a'.repeat(129), 'a'.repeat(10_000),
  'CON', 'NUL', 'aux', '\u202Erun', 'ｒｕｎ', 'rün', '😀', 'run\uD800', '__proto__', 'constructor', 'prototype', 'toString',
  'fuzz-missing-1', 'Zz_9-does-not-exist',
];

function hostileScalars(rng: Rng): Json[] {
  return [
    null, true, false, 0, -1, 1, 1.5, -0.000001, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), 2 ** 53 + 2, Number.MAX_VALUE, Number.MIN_VALUE, 1e300,
    '@@NaN@@', '@@Inf@@', '@@-Inf@@', '@@neg0@@', '@@Infinity@@',
    '', ' ', 'x', 'null', '0', 'true', '{}', '[]', '\u0000', '\uD800', '\uFEFF', '\u202E', 'ｆｏｏ', 'é', 'e\u0301', '😀'.repeat(50),
    '<script>alert(1)</script>', '"; rm -rf / #', '${process.exit()}', '%s%n%x', BIG_STRING, 'A'.repeat(64 * 1024),
    pick(rng, HOSTILE_IDS),
  ];
}

function hostileValue(rng: Rng, depth = 0): Json {
  const r = rng();
  if (r < 0.55 || depth > 2) return pick(rng, hostileScalars(rng));
  if (r < 0.65) return [];
  if (r < 0.72) return {};
  if (r < 0.78) return Array.from({ length: pick(rng, [1, 3, 100, 3000, 100_000]) }, () => (rng() < 0.5 ? 0 : pick(rng, [null, 'x', -1, 1e9])));
  if (r < 0.84) return nest(pick(rng, [50, 500, 5000]), rng() < 0.5);
  if (r < 0.92) return protoObject(rng);
  return [hostileValue(rng, depth + 1), hostileValue(rng, depth + 1)];
}

/** Deep nesting, written into the text only (JSON.stringify of the real thing would overflow our own stack). */
function nest(depth: number, asArray: boolean): Json {
  return `@@deep${asArray ? 'A' : 'O'}:${depth}@@`;
}

function deepText(kind: string, depth: number): string {
  return kind === 'A' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Objects that try prototype pollution; `__proto__` survives JSON.parse as an own key. */
function protoObject(rng: Rng): Json {
  return pick<Json>(rng, [
    { __proto__marker: true },
    { constructor: { prototype: { polluted: 'yes' } } },
    { prototype: { polluted: 'yes' } },
    { toString: 'x', valueOf: 'y', hasOwnProperty: 'z' },
  ]);
}

/** A valid payload per request type (that must not touch the stored runs' folders). */
function basePayload(name: RequestName, ctx: FuzzContext, rng: Rng): Record<string, Json> {
  const stored = () => pick(rng, ctx.storedRunIds);
  const missing = () => pick(rng, ['fuzz-missing-1', 'fuzz-missing-2', 'Zz_9-does-not-exist']);
  switch (name) {
    case 'getEnvironment': case 'getSettings': case 'getDatasetStats': case 'listPresets': case 'listRuns':
      return {};
    case 'setSettings':
      return { theme: pick(rng, ['light', 'dark', 'system']), maxConcurrentRuns: 1, dataDir: ctx.dataDir };
    case 'getDataStatus':
      return { download: false };
    case 'getImages':
      return { split: pick(rng, ['train', 'test']), indices: [0, 1, 2, 99] };
    case 'startRun':
      return {
        model: { name: 'fuzz', inputShape: [784], layers: [{ type: 'Dense', units: 4, activation: 'relu' }, { type: 'Dense', units: 10, activation: 'softmax' }] },
        hyper: { learningRate: 0.01, batchSize: 32, epochs: 1 },
        data: { limit: 100, split: { type: 'tail', validationSize: 50 } },
        backend: 'cpu',
      };
    case 'cancelRun': case 'deleteRun':
      return { runId: missing() };
    case 'renameRun':
      return { runId: missing(), name: 'renamed' };
    case 'tagRun':
      return { runId: missing(), tags: ['a', 'b'] };
    case 'getRun': case 'getPredictions': case 'exportRun':
      return { runId: stored() };
    case 'getRunEvents':
      return { runId: stored(), since: pick(rng, [0, 1, 5]) };
    case 'importRun':
      return { archive: ctx.archive };
    case 'exportReport':
      return { runIds: [stored()], title: 'fuzz', pageSize: 'A4' };
    case 'getTrainingHistograms':
      return { runId: stored() };
    case 'getCalibration':
      return { runId: missing() };
    case 'getEmbedding':
      return { runId: missing(), method: pick(rng, ['pca', 'umap']) };
    case 'explainImage':
      return { runId: stored(), split: pick(rng, ['test', 'validation', 'train']), index: pick(rng, [0, 3]), method: pick(rng, ['gradcam', 'saliency', 'smoothgrad', 'integrated-gradients']), top: 2, contrast: true };
    case 'getFeatureMaps':
      return { runId: stored(), split: 'test', index: 0 };
    default:
      return {};
  }
}

const READ_ONLY = new Set<RequestName>(['getRun', 'getRunEvents', 'getPredictions', 'exportRun', 'exportReport', 'getTrainingHistograms', 'explainImage', 'getFeatureMaps']);

/** Paths of every value inside a payload (["model","layers",0,"units"], …). */
function paths(v: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (v && typeof v === 'object') {
    for (const [k, child] of Object.entries(v as Record<string, Json>)) {
      const p = [...prefix, Array.isArray(v) ? Number(k) : k];
      out.push(p);
      paths(child, p, out);
    }
  }
  return out;
}

function setAt(root: Json, path: (string | number)[], value: Json | undefined): void {
  let o = root as Record<string | number, Json>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(o)) o.splice(Number(last), 1);
    else delete o[last];
  } else o[last] = value;
}

/** Hostile archives for importRun: garbage, wrong encodings, truncations, a gzip of junk. */
function hostileArchive(rng: Rng, ctx: FuzzContext): Json {
  const junk = Buffer.from(Array.from({ length: pick(rng, [0, 1, 16, 512, 100_000]) }, () => Math.floor(rng() * 256)));
  return pick(rng, [
    junk.toString('base64'),
    gzipSync(junk).toString('base64'),
    gzipSync(Buffer.alloc(4 * 1024 * 1024)).toString('base64'), // 4 MiB of zeros in a few KB: not a tar
    ctx.archive.slice(0, Math.floor(ctx.archive.length * rng())),
    `${ctx.archive.slice(0, 100)}!!!not base64!!!${ctx.archive.slice(100)}`,
    '====',
    BIG_STRING,
    ctx.archive.replace(/[A-M]/g, 'Q'),
  ]);
}

function text(frame: Json): string {
  let s = JSON.stringify(frame);
  for (const [marker, raw] of Object.entries(RAW)) s = s.split(marker).join(raw);
  s = s.replace(/"@@deep([AO]):(\d+)@@"/g, (_m, kind: string, depth: string) => deepText(kind, Number(depth)));
  // `{"__proto__marker":…}` becomes a literal own "__proto__" key, which JSON.parse keeps as data.
  return s.split('"__proto__marker"').join('"__proto__"');
}

/** Cases aimed at one request type: its valid payload mutated field by field, replaced, or stripped. */
function requestCases(name: RequestName, ctx: FuzzContext, rng: Rng, count: number, nextId: () => number): FuzzCase[] {
  const cases: FuzzCase[] = [];
  for (let i = 0; i < count; i++) {
    const id = nextId();
    const params = basePayload(name, ctx, rng);
    let label: string;
    const r = rng();
    const fields = paths(params);
    if (i === 0) label = 'valid payload';
    else if (r < 0.45 && fields.length > 0) {
      const p = pick(rng, fields);
      let v = hostileValue(rng);
      if (name === 'importRun' && p[0] === 'archive' && rng() < 0.6) v = hostileArchive(rng, ctx);
      // Requests that change a run only ever name hostile or missing ids, never a stored run.
      if (!READ_ONLY.has(name) && p[0] === 'runId' && typeof v === 'string' && ctx.storedRunIds.includes(v)) v = 'fuzz-missing-1';
      setAt(params, p, v);
      label = `field ${p.join('.')} := ${describe(v)}`;
    } else if (r < 0.6 && fields.length > 0) {
      const p = pick(rng, fields);
      setAt(params, p, undefined);
      label = `field ${p.join('.')} removed`;
    } else if (r < 0.72) {
      const key = pick(rng, ['__proto__marker', 'constructor', 'prototype', 'extra', '']);
      (params as Record<string, Json>)[key] = key === '__proto__marker' ? { polluted: 'yes', runId: '../x' } : hostileValue(rng);
      label = `extra key ${key.replace('marker', '')}`;
    } else if (r < 0.85) {
      const v = hostileValue(rng);
      label = `params := ${describe(v)}`;
      cases.push({ family: name, label, expectId: id, method: name, text: text({ id, method: name, params: v }) });
      continue;
    } else if (r < 0.92 && 'runId' in params) {
      let v = pick(rng, HOSTILE_IDS);
      if (READ_ONLY.has(name) && rng() < 0.5) v = `${pick(rng, ctx.storedRunIds)}${pick(rng, ['/..', '/../..', '\u0000', '/config.json', '%00', ' '])}`;
      params.runId = v;
      label = `runId := ${describe(v)}`;
    } else {
      cases.push({ family: name, label: 'params missing', expectId: id, method: name, text: text({ id, method: name }) });
      continue;
    }
    cases.push({ family: name, label, expectId: id, method: name, text: text({ id, method: name, params }) });
  }
  return cases;
}

/** startRun payloads the schema accepts but that are hostile by size: the engine must refuse them quickly or be cancellable. */
function oversizedRuns(ctx: FuzzContext, rng: Rng, nextId: () => number): FuzzCase[] {
  const dense = (units: number) => ({ type: 'Dense', units, activation: 'relu' });
  const softmax = { type: 'Dense', units: 10, activation: 'softmax' };
  const variants: Array<[string, Json[]]> = [
    ['Dense(1e9)', [dense(1e9), softmax]],
    ['Dense(2^31-1)', [dense(2 ** 31 - 1), softmax]],
    ['60 × Dense(4096)', [...Array.from({ length: 60 }, () => dense(4096)), softmax]],
    ['Dense(MAX_SAFE_INTEGER)', [dense(Number.MAX_SAFE_INTEGER), softmax]],
  ];
  const cases: FuzzCase[] = variants.map(([label, layers]) => {
    const id = nextId();
    const params = { ...basePayload('startRun', ctx, rng), model: { name: 'huge', inputShape: [784], layers } };
    return { family: 'startRun', label: `oversized model ${label}`, expectId: id, method: 'startRun', text: text({ id, method: 'startRun', params }) };
  });
  const id = nextId();
  const params = { ...basePayload('startRun', ctx, rng), repeat: 20, hyper: { learningRate: 0.01, batchSize: 8192, epochs: 1000 } };
  cases.push({ family: 'startRun', label: '20 repeats × 1000 epochs', expectId: id, method: 'startRun', text: text({ id, method: 'startRun', params }) });
  return cases;
}

/** Cases on the envelope itself: broken JSON, binary frames, bad ids and method names. */
function frameCases(rng: Rng, count: number, nextId: () => number): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const invalidJson = [
    '', ' ', '{', '}', 'nul', 'undefined', '{"id":1,', '{"id":1}{"id":2}', "{'id':1}", '\u0000', '\uFEFF{}', '[', ']',
    '{"id":1,"method":"listRuns","params":{}', '"\\uD800"x', 'A'.repeat(1024 * 1024), '['.repeat(100_000), '{"a":'.repeat(50_000),
    '{"id": 01, "method": "listRuns"}', '{"id":1,"method":"listRuns","params":{},}',
  ];
  for (let i = 0; i < count; i++) {
    const r = rng();
    if (r < 0.2) {
      const t = pick(rng, invalidJson);
      cases.push({ family: 'frame:invalid-json', label: `text ${describe(t)}`, expectId: -1, text: t });
    } else if (r < 0.3) {
      const bytes = Buffer.from(Array.from({ length: pick(rng, [0, 1, 7, 4096]) }, () => Math.floor(rng() * 256)));
      const asJson = rng() < 0.5;
      const binary = asJson ? Buffer.from(JSON.stringify({ id: 1, method: 'listRuns', params: {} })) : bytes;
      cases.push({ family: 'frame:binary', label: asJson ? 'a valid request as a binary frame' : `${bytes.length} random bytes`, expectId: -1, binary });
    } else if (r < 0.5) {
      const badId = pick(rng, [-1, -5, 1.5, '1', null, true, [1], {}, '@@Inf@@', '@@NaN@@', 2 ** 53 + 2, 1e300]);
      const wellFormed = typeof badId === 'number' && Number.isInteger(badId) && badId >= 0 && Number.isSafeInteger(badId);
      const expectId = wellFormed ? (badId as number) : -1;
      cases.push({ family: 'frame:bad-id', label: `id := ${describe(badId)}`, expectId, text: text({ id: badId, method: 'listRuns', params: {} }) });
    } else if (r < 0.75) {
      const id = nextId();
      const method = pick(rng, [
        'dropDatabase', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '', 'a'.repeat(65), 'a'.repeat(64),
        'getRun\u0000', 'GETRUN', ' listRuns', 'listRuns ', 123, null, [], {}, 'handlers', 'close', 'onEvent', 'then',
      ]);
      cases.push({ family: 'frame:bad-method', label: `method := ${describe(method)}`, expectId: id, text: text({ id, method, params: {} }) });
    } else if (r < 0.85) {
      const id = nextId();
      const v = pick(rng, [null, [], 'x', 0, {}, nest(1000, false)]);
      cases.push({ family: 'frame:shape', label: `frame := ${describe(v)}`, expectId: -1, text: text(v) });
      void id;
    } else {
      const id = nextId();
      cases.push({
        family: 'frame:proto', label: 'envelope with __proto__ / constructor keys', expectId: id, method: 'listRuns',
        text: `{"id":${id},"method":"listRuns","params":{},"__proto__":{"polluted":"yes","ok":true},"constructor":{"prototype":{"polluted":"yes"}}}`,
      });
    }
  }
  return cases;
}

export function describe(v: unknown): string {
  if (typeof v === 'string') return v.length > 40 ? `string(${v.length}) ${JSON.stringify(v.slice(0, 20))}…` : JSON.stringify(v);
  if (Array.isArray(v)) return `array(${v.length})`;
  if (v && typeof v === 'object') return `object{${Object.keys(v).slice(0, 4).join(',')}}`;
  return String(v);
}

/** Every request type gets `perRequest` cases (the first one valid), plus `frames` envelope cases; shuffled by seed. */
export function generateCases(seed: number, ctx: FuzzContext, perRequest: number, frames: number): FuzzCase[] {
  const rng = mulberry32(seed);
  let id = 1000;
  const nextId = () => id++;
  const cases = [
    ...REQUEST_NAMES.flatMap((name) => requestCases(name, ctx, rng, perRequest, nextId)),
    ...oversizedRuns(ctx, rng, nextId),
    ...frameCases(rng, frames, nextId),
  ];
  for (let i = cases.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [cases[i], cases[j]] = [cases[j]!, cases[i]!];
  }
  return cases;
}

export { RAW_MARKERS };
