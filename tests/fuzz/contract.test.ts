// Fuzz suite: hostile frames for every request of the contract over the real WebSocket server and a real engine.
// Seeded, so a failure names a case that repeats; bounded (about a minute); ends by checking the server and the store.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { REQUEST_NAMES, requests, type RequestName, type ResponseOf } from '../../shared/api.js';
import { CLOSE_TOO_BIG, MAX_FRAME_BYTES, WireMessageSchema, WS_PATH, type WireMessage } from '../../shared/wire.js';
import { createWorkbench, type Workbench } from '../../electron/engine/workbench.js';
import { createServer, type WorkbenchServer } from '../../electron/server/server.js';
import { writeFixtureDataset } from '../helpers/idxFixtures.js';
import { makeSite } from '../electron/server/helpers.js';
import { tempDir, removeTempDirs } from '../engine/train/helpers.js';
import { generateCases, type FuzzCase, type FuzzContext } from './generate.js';

const SEED = 20240917;
const PER_REQUEST = 55;
const FRAME_CASES = 200;
/** Longest any single frame may take to be answered before it counts as a hang. */
const REPLY_TIMEOUT_MS = 20_000;

let wb: Workbench;
let server: WorkbenchServer;
let site: { root: string; staticDir: string };
let runsDir: string;
let ctx: FuzzContext;
let before: Map<string, string>;
const created = new Set<string>();

/** Every file under the stored runs with its mode and SHA-256: the store is intact when this is unchanged. */
async function snapshot(ids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function walk(dir: string): Promise<void> {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      // Derived caches (calibration, embeddings) may be added by read requests; the run's own files must not change.
      else if (!/^(calibration|embedding-[a-z]+)\.json$/.test(e.name)) {
        out.set(path.relative(runsDir, p), `${(await stat(p)).mode.toString(8)} ${createHash('sha256').update(await readFile(p)).digest('hex')}`);
      }
    }
  }
  for (const id of ids) await walk(path.join(runsDir, id));
  return out;
}

/** A reply frame (pushes are dropped on arrival). */
type WireReply = Exclude<WireMessage, { push: unknown }>;

/** Checks that a frame is a well-formed reply (says which when not) and returns it typed. */
function asReply(m: unknown, where: string): WireReply {
  const parsed = WireMessageSchema.safeParse(m);
  expect(parsed.success, `reply to ${where} is not a wire message: ${JSON.stringify(m)?.slice(0, 200)}`).toBe(true);
  const message = parsed.data!;
  if ('push' in message) throw new Error(`expected a reply to ${where}, got a pushed event`);
  return message;
}

class Client {
  readonly ws: WebSocket;
  private queue: unknown[] = [];
  private waiter: ((m: unknown) => void) | null = null;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data, isBinary) => {
      expect(isBinary, 'the server sends text frames only').toBe(false);
      const m = JSON.parse(data.toString()) as { push?: unknown };
      if (m && typeof m === 'object' && 'push' in m) return; // training events of fuzzed runs
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w(m);
      } else this.queue.push(m);
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async open(): Promise<Client> {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${WS_PATH}?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}` });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new Client(ws);
  }

  /** The next reply, checked against the wire schema. */
  async next(label: string): Promise<WireReply> {
    return asReply(await this.nextFrame(label), label);
  }

  private nextFrame(label: string): Promise<unknown> {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply within ${REPLY_TIMEOUT_MS} ms to: ${label}`)), REPLY_TIMEOUT_MS);
      this.waiter = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
    });
  }

  async call(method: RequestName, params: unknown, id = 1): Promise<WireReply> {
    this.ws.send(JSON.stringify({ id, method, params }));
    const reply = await this.next(method);
    expect(reply.id).toBe(id);
    return reply;
  }
}

beforeAll(async () => {
  const base = await tempDir('fmw-fuzz-');
  const dataDir = path.join(base, 'data');
  await mkdir(dataDir);
  await writeFixtureDataset(dataDir, { train: 10_200, test: 200, gzip: true, seed: 7 });
  runsDir = path.join(base, 'app', 'runs');
  // Its own app-data folder: the settings it writes must not land in the user's ~/.config.
  wb = await createWorkbench({ runsDir, dataDir, appDataDir: path.join(base, 'app'), mode: 'browser', strictData: false, env: {}, maxConcurrent: 1 });
  await wb.handlers.setSettings({ maxConcurrentRuns: 1, dataDir });
  // Two small stored runs the fuzzer may read but must never change.
  const storedRunIds: string[] = [];
  for (const seed of [1, 2]) {
    const { runIds } = await wb.handlers.startRun(requests.startRun.request.parse({
      name: `stored-${seed}`,
      model: { name: 'tiny', inputShape: [784], layers: [{ type: 'Dense', units: 8, activation: 'relu' }, { type: 'Dense', units: 10, activation: 'softmax' }] },
      hyper: { learningRate: 0.01, batchSize: 32, epochs: 1, seed },
      data: { limit: 200, split: { type: 'tail', validationSize: 50 } },
      backend: 'cpu',
    }));
    storedRunIds.push(...runIds);
  }
  await wb.manager.idle();
  for (const id of storedRunIds) expect((await wb.handlers.getRun({ runId: id })).summary.status).toBe('finished');
  const { archive } = await wb.handlers.exportRun({ runId: storedRunIds[0]! });
  ctx = { storedRunIds, dataDir, archive };
  before = await snapshot(storedRunIds);
  site = makeSite();
  server = await createServer({ workbench: wb, staticDir: site.staticDir, port: 0 });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await wb?.close();
  if (site) await rm(site.root, { recursive: true, force: true });
  await removeTempDirs();
});

type Tally = Record<string, { sent: number; ok: number; errors: Record<string, number> }>;

/** NaN and bare Infinity make a frame invalid JSON: then no id can be read from it. */
function expectedId(c: FuzzCase): number {
  if (c.text === undefined) return -1;
  try {
    JSON.parse(c.text);
    return c.expectId;
  } catch {
    return -1;
  }
}

function checkReply(c: FuzzCase, reply: WireReply): void {
  const where = `${c.family}: ${c.label}`;
  expect(reply.id, `reply id for ${where}: ${JSON.stringify(reply).slice(0, 300)}`).toBe(expectedId(c));
  if (reply.ok) {
    expect(c.method, `${where} was accepted though it names no request`).toBeDefined();
    const parsed = requests[c.method!].response.safeParse(reply.result);
    expect(parsed.success, `result of ${where} breaks the ${c.method} response schema`).toBe(true);
  } else {
    expect(typeof reply.error.message, where).toBe('string');
    expect(reply.error.message.length, `empty error message for ${where}`).toBeGreaterThan(0);
    expect(reply.error.message.length, `error message for ${where} echoes a huge input`).toBeLessThan(8 * 1024);
  }
}

/** Undoes what an accepted case changed outside the stored runs: cancels fuzzed trainings, restores the settings. */
async function settle(c: FuzzCase, reply: WireReply): Promise<void> {
  if (!reply.ok) return;
  // checkReply has held each result to its request's response schema, so these casts name what was checked.
  if (c.method === 'startRun') {
    for (const id of (reply.result as ResponseOf<'startRun'>).runIds) {
      created.add(id);
      await wb.handlers.cancelRun({ runId: id }).catch(() => undefined);
    }
  }
  if (c.method === 'importRun') created.add((reply.result as ResponseOf<'importRun'>).runId);
  if (c.method === 'setSettings') await wb.handlers.setSettings({ dataDir: ctx.dataDir, maxConcurrentRuns: 1, theme: 'system' });
}

describe('request contract under fuzzing (real server, real engine)', () => {
  it('answers every hostile frame with a well-formed error or a valid result', async () => {
    const cases = generateCases(SEED, ctx, PER_REQUEST, FRAME_CASES);
    expect(cases.length).toBeGreaterThanOrEqual(1000);
    const families = new Set(cases.map((c) => c.family));
    for (const name of REQUEST_NAMES) expect(families.has(name), name).toBe(true);

    const tally: Tally = {};
    const slowest: Array<{ ms: number; what: string }> = [];
    const accepted: string[] = [];
    const oversized: string[] = [];
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const client = await Client.open();
    const started = Date.now();
    for (const c of cases) {
      const t0 = performance.now();
      if (c.binary) client.ws.send(c.binary, { binary: true });
      else client.ws.send(c.text!);
      const reply = await client.next(`${c.family}: ${c.label}`);
      slowest.push({ ms: performance.now() - t0, what: `${c.family}: ${c.label}${reply.ok ? '' : ` → ${String(reply.error.message).slice(0, 120)}`}` });
      slowest.sort((a, b) => b.ms - a.ms).splice(5);
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      checkReply(c, reply);
      if (c.label.startsWith('oversized model')) {
        // Valid by the schema, impossible by size: refused up front by the engine's memory budget, not trained.
        if (reply.ok) throw new Error(`${c.label} was accepted`);
        oversized.push(`${c.label}: ${(performance.now() - t0).toFixed(0)} ms, ${String(reply.error.message).slice(0, 90)}…`);
      }
      if (reply.ok && c.method === 'startRun') accepted.push(c.label);
      if (reply.ok && process.env.FUZZ_VERBOSE) console.log('ACCEPTED', c.family, c.label);
      await settle(c, reply);
      const t = (tally[c.family] ??= { sent: 0, ok: 0, errors: {} });
      t.sent += 1;
      if (reply.ok) t.ok += 1;
      else t.errors[reply.error.code ?? 'none'] = (t.errors[reply.error.code ?? 'none'] ?? 0) + 1;
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(`fuzz: ${cases.length} frames in ${seconds.toFixed(1)} s (seed ${SEED}); RSS ${(rssBefore / 2 ** 20).toFixed(0)} → peak ${(rssPeak / 2 ** 20).toFixed(0)} MiB`);
    console.log(`  slowest: ${slowest.map((s) => `${s.ms.toFixed(0)} ms ${s.what}`).join('\n           ')}`);
    console.log(`  startRun accepted (then cancelled): ${accepted.join(' | ')}`);
    console.log(`  oversized models refused:\n    ${oversized.join('\n    ')}`);
    expect(oversized).toHaveLength(4);
    for (const [family, t] of Object.entries(tally).sort()) {
      console.log(`  ${family.padEnd(20)} ${String(t.sent).padStart(4)} sent, ${String(t.ok).padStart(3)} ok, errors ${JSON.stringify(t.errors)}`);
    }
    // The hostile ones were refused: every request type saw errors, and only the valid-looking ones passed.
    for (const name of REQUEST_NAMES) expect(tally[name]!.sent - tally[name]!.ok, `${name} refused nothing`).toBeGreaterThan(0);
    client.ws.close();
  }, 180_000);

  it('answers a burst beyond the in-flight limit, each frame with a result or TOO_MANY_REQUESTS', async () => {
    const client = await Client.open();
    const n = 100;
    for (let id = 1; id <= n; id++) client.ws.send(JSON.stringify({ id, method: id % 2 ? 'listRuns' : 'getRun', params: id % 2 ? {} : { runId: ctx.storedRunIds[0] } }));
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) {
      const reply = await client.next('burst');
      if (!reply.ok) expect(reply.error.code).toBe('TOO_MANY_REQUESTS');
      seen.add(reply.id);
    }
    expect(seen.size).toBe(n);
    client.ws.close();
  });

  it('closes a connection whose frame announces more than the limit with 1009 and the limit, and serves the next one', async () => {
    const client = await Client.open();
    const head = Buffer.alloc(14);
    head[0] = 0x81;
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(MAX_FRAME_BYTES + 1), 2);
    (client.ws as unknown as { _socket: import('node:net').Socket })._socket.write(head);
    const { code, reason } = await client.closed;
    expect(code).toBe(CLOSE_TOO_BIG);
    expect(reason).toMatch(/Message too big: the limit is 341\.4 MiB/);
    const again = await Client.open();
    expect((await again.call('listRuns', {})).ok).toBe(true);
    again.ws.close();
  });

  it('ends responsive, with no fuzzed training left and the stored runs intact byte for byte', async () => {
    await Promise.race([wb.manager.idle(), new Promise((_, reject) => setTimeout(() => reject(new Error('fuzzed trainings did not stop within 60 s')), 60_000))]);
    const client = await Client.open();
    const list = await client.call('listRuns', {});
    if (!list.ok) throw new Error(`listRuns refused after fuzzing: ${list.error.message}`);
    const runs = list.result as ResponseOf<'listRuns'>;
    const ids = runs.map((r) => r.id);
    for (const id of ctx.storedRunIds) {
      expect(ids).toContain(id);
      const run = await client.call('getRun', { runId: id }, 2);
      if (!run.ok) throw new Error(`stored run ${id} no longer loads: ${run.error.message}`);
      expect((run.result as ResponseOf<'getRun'>).summary.status).toBe('finished');
      expect((await client.call('getPredictions', { runId: id }, 3)).ok).toBe(true);
    }
    for (const r of runs) {
      if (created.has(r.id)) expect(['cancelled', 'finished', 'failed']).toContain(r.status);
    }
    expect(await snapshot(ctx.storedRunIds)).toEqual(before);
    // No prototype was polluted by the `__proto__` / `constructor.prototype` payloads.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
    client.ws.close();
  });
});
