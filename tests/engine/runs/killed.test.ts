// A real kill: a child process trains (fake epochs) into the store and is SIGKILLed mid-run; nothing it logged is lost.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { RunStore } from '../../../electron/engine/runs/store.js';
import { exited, spawnFixture } from './fixtures/child.js';

let root: string;
let child: ChildProcess | undefined;
beforeEach(async () => { root = await fs.mkdtemp(path.join(os.tmpdir(), 'fmw-killed-')); });
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await fs.rm(root, { recursive: true, force: true });
});

/** Resolves with every epoch the child reported as logged, once it has reported `count` of them. */
function epochsReported(proc: ChildProcess, count: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const seen: number[] = [];
    let buffer = '';
    let stderr = '';
    proc.stderr!.on('data', (d) => { stderr += String(d); });
    proc.stdout!.on('data', (d) => {
      buffer += String(d);
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const m = /^epoch (\d+)$/.exec(line);
        if (m) seen.push(Number(m[1]));
      }
      if (seen.length >= count) resolve([...seen]);
    });
    proc.once('exit', (code) => reject(new Error(`the writer exited early (code ${code}): ${stderr}`)));
  });
}

it('a run killed mid-training is listed as interrupted with every epoch it logged', async () => {
  const store = new RunStore(root);
  const runId = store.newRunId('killed run');
  child = spawnFixture('train-forever.ts', [root, runId]);
  const reported = await epochsReported(child, 5);
  child.kill('SIGKILL');
  const { signal } = await exited(child);
  expect(signal).toBe('SIGKILL');

  const [row] = await store.list();
  expect(row.id).toBe(runId);
  expect(row.status).toBe('interrupted');
  expect(row.reason).toMatch(new RegExp(`process ${child.pid} stopped`));
  expect(row.damaged).toBeNull();

  const detail = await store.get(runId);
  const logged = detail.epochs.map((e) => e.epoch);
  // Every epoch reported before the kill is there, in order, possibly followed by ones logged after the last report.
  expect(logged.slice(0, reported.length)).toEqual(reported);
  expect(logged).toEqual(logged.map((_, i) => i));
  expect(detail.begin?.runId).toBe(runId);
  expect(detail.summary.epochsDone).toBe(logged.length);
  // A torn last line is possible (the kill can land mid-append); if there is one, it is reported, not fatal.
  for (const w of detail.logWarnings) expect(w).toMatch(/torn last line/);

  expect(await store.markInterrupted()).toEqual([runId]);
  expect(JSON.parse(await fs.readFile(path.join(root, runId, 'status.json'), 'utf8')).status).toBe('interrupted');
});
