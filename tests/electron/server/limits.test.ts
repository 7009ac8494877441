// Browser-mode WebSocket limits: frame size (close 1009 with the limit), requests in flight, sockets, heartbeat.
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import WebSocket from 'ws';
import {
  CLOSE_TOO_BIG, CLOSE_TRY_LATER, MAX_FRAME_BYTES, MAX_IMPORT_ARCHIVE_BYTES, TOO_BIG_REASON, WS_PATH,
} from '../../../shared/wire.js';
import { createServer, type ServerOptions, type WorkbenchServer } from '../../../electron/server/server.js';
import { fakeWorkbench } from '../fakes.js';
import { Inbox, makeSite } from './helpers.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function start(opts: Partial<ServerOptions> = {}) {
  const site = makeSite();
  const wb = fakeWorkbench();
  const server = await createServer({ workbench: wb, staticDir: site.staticDir, port: 0, ...opts });
  cleanup.push(() => rmSync(site.root, { recursive: true, force: true }), () => server.close());
  return { server, wb };
}

async function connect(server: WorkbenchServer, options: WebSocket.ClientOptions = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}${WS_PATH}?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}`, ...options });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  cleanup.push(() => ws.terminate());
  return { ws, inbox: new Inbox(ws) };
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** A masked text-frame header that announces `length` bytes of payload and sends none of them. */
function frameHeader(length: number): Buffer {
  const head = Buffer.alloc(14);
  head[0] = 0x81;
  head[1] = 0x80 | 127;
  head.writeBigUInt64BE(BigInt(length), 2);
  return head; // bytes 10-13: an all-zero mask
}

describe('frame size', () => {
  it('fits the base64 of the largest archive import, and is far below the old 512 MiB', () => {
    expect(MAX_FRAME_BYTES).toBeGreaterThanOrEqual(Math.ceil(MAX_IMPORT_ARCHIVE_BYTES / 3) * 4 + 1024);
    expect(MAX_FRAME_BYTES).toBeLessThan(350 * 1024 ** 2);
    expect(Buffer.byteLength(TOO_BIG_REASON)).toBeLessThanOrEqual(123);
  });

  it('closes with 1009 and a reason naming the limit as soon as a frame announces more than the default limit', async () => {
    const { server } = await start();
    const { ws } = await connect(server);
    const done = closed(ws);
    // Only the header goes out: the server must refuse on the announced length, before buffering anything.
    (ws as unknown as { _socket: import('node:net').Socket })._socket.write(frameHeader(MAX_FRAME_BYTES + 1));
    expect(await done).toEqual({ code: CLOSE_TOO_BIG, reason: TOO_BIG_REASON });
    expect(TOO_BIG_REASON).toMatch(/341\.4 MiB.*256 MiB/);
  });

  it('takes a frame at the limit and refuses one byte more, then a new connection works', async () => {
    const { server } = await start({ maxFrameBytes: 4096 });
    const { ws, inbox } = await connect(server);
    const pad = (n: number) => {
      const base = JSON.stringify({ id: 1, method: 'renameRun', params: { runId: 'r1', name: '' } });
      return JSON.stringify({ id: 1, method: 'renameRun', params: { runId: 'r1', name: 'x'.repeat(n - base.length) } });
    };
    ws.send(pad(4096));
    expect((await inbox.reply(1)).ok).toBe(false); // parsed (name too long for the contract), not dropped
    const done = closed(ws);
    ws.send(pad(4097));
    expect(await done).toEqual({ code: CLOSE_TOO_BIG, reason: 'Message too big: the limit is 4096 bytes' });
    const again = await connect(server);
    again.ws.send(JSON.stringify({ id: 2, method: 'listRuns', params: {} }));
    expect((await again.inbox.reply(2)).ok).toBe(true);
  });
});

describe('requests in flight', () => {
  it('refuses requests beyond the limit with a message, and serves again once replies are out', async () => {
    const { server, wb } = await start({ maxInFlight: 2 });
    const gates: Array<() => void> = [];
    wb.calls.listRuns.mockImplementation(() => new Promise((resolve) => gates.push(() => resolve([]))));
    const { ws, inbox } = await connect(server);
    for (const id of [1, 2, 3]) ws.send(JSON.stringify({ id, method: 'listRuns', params: {} }));
    const refused = await inbox.reply(3);
    expect(refused.error).toEqual({ code: 'TOO_MANY_REQUESTS', message: expect.stringMatching(/in flight.*limit 2/) });
    await expect.poll(() => gates.length).toBe(2);
    gates.splice(0).forEach((g) => g());
    expect(await inbox.reply(1)).toEqual({ id: 1, ok: true, result: [] });
    expect(await inbox.reply(2)).toEqual({ id: 2, ok: true, result: [] });
    wb.calls.listRuns.mockResolvedValue([]);
    ws.send(JSON.stringify({ id: 4, method: 'listRuns', params: {} }));
    expect((await inbox.reply(4)).ok).toBe(true);
    expect(wb.calls.listRuns).toHaveBeenCalledTimes(3);
  });
});

describe('sockets', () => {
  it('closes connections beyond the limit with 1013 and a reason, and admits again when one closes', async () => {
    const { server } = await start({ maxSockets: 2 });
    const a = await connect(server);
    await connect(server);
    const third = await connect(server);
    expect(await closed(third.ws)).toEqual({ code: CLOSE_TRY_LATER, reason: 'Too many connections (limit 2): close other workbench tabs' });
    const gone = closed(a.ws);
    a.ws.close();
    await gone;
    const fourth = await connect(server);
    fourth.ws.send(JSON.stringify({ id: 1, method: 'listRuns', params: {} }));
    expect((await fourth.inbox.reply(1)).ok).toBe(true);
  });
});

describe('heartbeat', () => {
  it('drops a connection that answers no ping and keeps one that does', async () => {
    const { server } = await start({ heartbeatMs: 100 });
    const live = await connect(server);
    const dead = await connect(server, { autoPong: false });
    const liveClosed = closedFlag(live.ws);
    const { code } = await closed(dead.ws);
    expect(code).toBe(1006); // terminated: no close frame
    expect(liveClosed()).toBe(false);
    live.ws.send(JSON.stringify({ id: 1, method: 'listRuns', params: {} }));
    expect((await live.inbox.reply(1)).ok).toBe(true);
  });
});

function closedFlag(ws: WebSocket): () => boolean {
  let gone = false;
  ws.once('close', () => {
    gone = true;
  });
  return () => gone;
}
