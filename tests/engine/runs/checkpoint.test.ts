// Checkpoint files: round trip, and every kind of damage refused with the file named (a run folder may be imported).
import { describe, expect, it, afterAll } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { decodeCheckpoint, encodeCheckpoint, readCheckpoint, writeCheckpoint } from '../../../electron/engine/runs/checkpoint.js';
import { RunStore } from '../../../electron/engine/runs/store.js';
import { tempDir, removeTempDirs, runConfig } from '../train/helpers.js';

afterAll(removeTempDirs);

const summary = { epoch: 0, loss: 1, accuracy: 0.5, valLoss: 1.1, valAccuracy: 0.4, learningRate: 1e-3, seconds: 1, samplesPerSecond: 100, valConfusion: [[1]] };
const state = {
  version: 1 as const, runId: 'r1', epochsDone: 1, summary, trainSeconds: 1, avgEpochSeconds: 1, augRngCalls: 7, layerSteps: { 3: 4 },
  earlyStopping: null, bestValAccuracy: 0.4, optimizer: { type: 'Adam', accBeta: [0.9, 0.999] as [number, number] },
};
const tensors = [
  { group: 'model' as const, name: 'dense/kernel', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
  { group: 'optimizer' as const, name: 'iter', shape: [], data: Int32Array.from([8]) },
];

describe('checkpoint files', () => {
  it('round-trip state and tensors exactly', () => {
    const { state: s, tensors: t } = decodeCheckpoint(encodeCheckpoint(state, tensors), 'x.ckpt');
    expect(s).toMatchObject({ ...state, layerSteps: { '3': 4 } });
    expect(t.map((x) => [x.meta.name, x.meta.dtype, [...x.data]])).toEqual([['dense/kernel', 'float32', [1, 2, 3, 4, 5, 6]], ['iter', 'int32', [8]]]);
  });

  it('refuses truncated, altered or foreign files, naming the file', () => {
    const bytes = encodeCheckpoint(state, tensors);
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 4), 'a.ckpt')).toThrow(/a\.ckpt is unusable: its tensor bytes do not match their checksum/);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 1] ^= 1;
    expect(() => decodeCheckpoint(flipped, 'b.ckpt')).toThrow(/checksum/);
    expect(() => decodeCheckpoint(Buffer.from('hello world, not a checkpoint'), 'c.ckpt')).toThrow(/does not start with the checkpoint marker/);
    const lying = encodeCheckpoint(state, [{ ...tensors[0], shape: [100, 100] }]);
    expect(() => decodeCheckpoint(lying, 'd.ckpt')).toThrow(/tensor dense\/kernel \(shape \[100, 100\]\) does not fit/);
  });

  it('are written atomically into the run folder and read back; a run without one reads as null', async () => {
    const store = new RunStore(await tempDir('fmw-ckpt-'));
    await store.create(runConfig('r1'));
    const dir = store.runDir('r1');
    expect(await readCheckpoint(dir, 'last')).toBeNull();
    await writeCheckpoint(dir, 'last', encodeCheckpoint(state, tensors));
    expect((await readCheckpoint(dir, 'last'))?.state.augRngCalls).toBe(7);
    expect((await fs.readdir(path.join(dir, 'checkpoints'))).sort()).toEqual(['last.ckpt']);
  });

  it("leaves another host's temp files alone when sweeping leftovers (shared run store)", async () => {
    const root = await tempDir('fmw-shared-');
    const mine = new RunStore(root, { hostname: 'node-a' });
    await new RunStore(root, { hostname: 'node-b' }).create(runConfig('theirs'));
    await mine.create(runConfig('mine'));
    // A pid that is surely not alive here: on node-b it may be a live writer.
    const name = '.metrics.json.tmp-999999-abcd1234';
    await fs.writeFile(path.join(root, 'theirs', name), 'x');
    await fs.writeFile(path.join(root, 'mine', name), 'x');
    await mine.markInterrupted();
    expect(await fs.readdir(path.join(root, 'theirs'))).toContain(name);
    expect(await fs.readdir(path.join(root, 'mine'))).not.toContain(name);
  });
});
