// The experiment CLI end to end on real data: sweeps and shards (two processes writing one run store at once),
// resume (also of a process killed mid-epoch) and fine-tuning with frozen layers.
import { describe, it, expect, afterAll } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RunStore } from '../../../electron/engine/runs/store.js';
import { requireInCi } from '../../helpers/ciRequire.js';
import { tempDir, removeTempDirs } from '../../engine/train/helpers.js';

const DATA = '/usr/share/datasets/fashion-mnist';
const ready = requireInCi(existsSync(path.join(DATA, 'train-images-idx3-ubyte.gz')), `the real data set in ${DATA} (apt-get install dataset-fashion-mnist)`);
afterAll(removeTempDirs);

const CLI = ['tsx', 'electron/cli/experiment.ts'];
function cli(args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string; ms: number }>((resolve) => {
    const t0 = Date.now();
    execFile('npx', [...CLI, '--data-dir', DATA, '--backend', 'wasm', ...args], { maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

const model = {
  name: 'sweep-cnn',
  inputShape: [28, 28, 1],
  layers: [
    { type: 'Conv2D', filters: 4, kernelSize: 3, activation: 'relu' },
    { type: 'MaxPooling2D', poolSize: 2 },
    { type: 'Flatten' },
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
};

async function experimentFile(dir: string, entry: object): Promise<string> {
  const file = path.join(dir, 'experiment.json');
  await writeFile(file, JSON.stringify({ runs: [entry] }));
  return file;
}

/** Weights of the saved model by name (model.json's manifest over weights.bin). */
async function savedWeights(runsDir: string, id: string): Promise<Map<string, Float32Array>> {
  const dir = path.join(runsDir, id, 'model');
  const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as { weightsManifest: Array<{ weights: Array<{ name: string; shape: number[] }> }> };
  const bin = await readFile(path.join(dir, 'weights.bin'));
  const out = new Map<string, Float32Array>();
  let offset = 0;
  for (const w of json.weightsManifest[0].weights) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    out.set(w.name, new Float32Array(bin.buffer.slice(bin.byteOffset + offset, bin.byteOffset + offset + n * 4)));
    offset += n * 4;
  }
  return out;
}

describe.skipIf(!ready)(`experiment CLI: sweeps, shards, resume, fine-tuning (needs ${DATA})`, () => {
  it('a 2×2 grid in two concurrent shard processes gives 4 intact runs of one sweep, 2 per shard, ranked', async () => {
    const out = await tempDir('fmw-sweep-');
    const file = await experimentFile(out, {
      name: 'grid', model, hyper: { epochs: 1, batchSize: 64 },
      sweep: { method: 'grid', space: { 'hyper.learningRate': [1e-3, 3e-3], 'model.layers.0.filters': [4, 8] } },
    });
    const common = ['--config', file, '--limit', '512', '--out', out];
    const [a, b] = await Promise.all([cli([...common, '--shard', '0/2', '--json']), cli([...common, '--shard', '1/2'])]);
    console.log(`two shard processes at once: ${a.ms} ms and ${b.ms} ms`);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(a.stderr).toMatch(/shard 0\/2: 2 of 4 trials/);
    const doc = JSON.parse(a.stdout);
    expect(doc.runs).toHaveLength(2);
    expect(doc.runs.map((r: { sweep: { index: number } }) => r.sweep.index)).toEqual([0, 2]);
    expect(doc.runs[1].hyper.learningRate).toBe(3e-3);
    expect(doc.runs[1].sweep.params).toEqual({ 'hyper.learningRate': 3e-3, 'model.layers.0.filters': 4 });
    expect(doc.sweeps).toHaveLength(1);
    const ranked = doc.sweeps[0].ranked.map((t: { valAccuracy: number }) => t.valAccuracy);
    expect(ranked).toEqual([...ranked].sort((x, y) => y - x));
    // The text output ranks the other shard's trials the same way.
    expect(b.stdout).toMatch(/sweep grid \(.+, grid\): 2 of 4 trials here, best validation accuracy first/);
    expect(b.stdout).toMatch(/rank\s+trial\s+hyper\.learningRate\s+model\.layers\.0\.filters\s+best val acc/);

    const list = await new RunStore(out).list();
    expect(list).toHaveLength(4);
    expect(list.every((r) => r.status === 'finished' && r.damaged === null)).toBe(true);
    expect(new Set(list.map((r) => r.sweepId)).size).toBe(1);
    expect(list[0].sweepId).toBe(doc.runs[0].sweep.id);
    const store = new RunStore(out);
    const indices = (await Promise.all(list.map((r) => store.get(r.id)))).map((d) => d.config!.request.sweep!.index).sort();
    expect(indices).toEqual([0, 1, 2, 3]);
  }, 300_000);

  it('the median rule stops trials that fall below the others after their first epoch, tagged "pruned"', async () => {
    const out = await tempDir('fmw-prune-');
    const file = await experimentFile(out, {
      name: 'prune', model, hyper: { epochs: 4, batchSize: 64 },
      sweep: { method: 'grid', space: { 'hyper.learningRate': [3e-3, 2e-3, 1e-7] }, earlyStop: { rule: 'median', afterEpochs: 1, minTrials: 2 } },
    });
    const r = await cli(['--config', file, '--limit', '512', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/prune #3: stopped by the median rule after epoch 1 \(best validation accuracy 0\.\d+ < median 0\.\d+ of 2 other trials\)/);
    const runs = JSON.parse(r.stdout).runs as Array<{ id: string; status: string; epochs: number; sweep: { index: number } }>;
    // The rule decides after epoch 1 while the trial trains on (the cancel reaches its worker asynchronously, and an
    // epoch of 512 samples takes ~0.1 s on the fused steps): it stops in epoch 2 or 3, before its last, never finished.
    expect(runs.slice(0, 2).map((x) => [x.sweep.index, x.status, x.epochs])).toEqual([[0, 'finished', 4], [1, 'finished', 4]]);
    expect([runs[2].sweep.index, runs[2].status]).toEqual([2, 'cancelled']);
    expect(runs[2].epochs, 'the pruned trial stopped before its last epoch').toBeGreaterThanOrEqual(1);
    expect(runs[2].epochs, 'the pruned trial stopped before its last epoch').toBeLessThan(4);
    expect((await new RunStore(out).get(runs[2].id)).summary.tags).toEqual(['pruned']);
  }, 300_000);

  it('--resume RUN_ID --epochs 2 on a 1-epoch run returns the same id with 2 epochs', async () => {
    const out = await tempDir('fmw-resume-cli-');
    const file = await experimentFile(out, { name: 'short', model, hyper: { epochs: 1, batchSize: 64, learningRate: 2e-3 } });
    const first = await cli(['--config', file, '--limit', '512', '--out', out, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const id = JSON.parse(first.stdout).runs[0].id;
    const again = await cli(['--resume', id, '--epochs', '2', '--out', out, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const run = JSON.parse(again.stdout).runs[0];
    expect(run.id).toBe(id);
    expect(run.epochs).toBe(2);
    expect(run.history.map((e: { epoch: number }) => e.epoch)).toEqual([0, 1]);
    expect(run.status).toBe('finished');
    const refused = await cli(['--resume', id, '--epochs', '2', '--out', out]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/already trained 2 epochs: give a total above 2/);
  }, 300_000);

  it('a process killed mid-epoch is resumed from its checkpoint and ends with the uninterrupted run\'s numbers', async () => {
    const out = await tempDir('fmw-kill-');
    const file = await experimentFile(out, { name: 'killed', model, hyper: { epochs: 3, batchSize: 32, learningRate: 2e-3 } });
    const args = ['--config', file, '--limit', '6000', '--out', out];
    const child = spawn('npx', [...CLI, '--data-dir', DATA, '--backend', 'wasm', ...args], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no epoch ended in time:\n${stderr}`)), 120_000);
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        // Kill in epoch 2: the first epoch is logged and checkpointed, the second is under way.
        if (/killed epoch 1:/.test(stderr)) {
          clearTimeout(timer);
          setTimeout(() => { process.kill(-child.pid!, 'SIGKILL'); resolve(); }, 300);
        }
      });
    });
    await new Promise((r) => child.once('exit', r));
    const store = new RunStore(out);
    // npx exits first; the training process (a grandchild in the same group) got the same SIGKILL but may take a
    // moment longer to die, and the store rightly reports it running while its pid is alive. Wait for that.
    let [killed] = await store.list();
    for (const t0 = Date.now(); killed.status === 'running' && Date.now() - t0 < 20_000;) {
      await new Promise((r) => setTimeout(r, 100));
      [killed] = await store.list();
    }
    expect(killed.status).toBe('interrupted');
    expect(killed.reason).toMatch(/stopped without finishing it \(killed or crashed\)/);
    expect(killed.epochsDone).toBe(1);

    const resumed = await cli(['--resume', killed.id, '--out', out, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const run = JSON.parse(resumed.stdout).runs[0];
    expect(run.id).toBe(killed.id);
    expect(run.epochs).toBe(3);
    const { events } = await store.events(killed.id);
    expect(events.flatMap((e) => (e.type === 'epochEnd' ? [e.summary.epoch] : []))).toEqual([0, 1, 2]);

    const straight = await cli([...args, '--json']);
    expect(straight.code, straight.stderr).toBe(0);
    const ref = JSON.parse(straight.stdout).runs[0];
    const numbers = (r: { history: Array<{ loss: number; valAccuracy: number }>; test: { accuracy: number; loss: number } }) =>
      ({ history: r.history.map((e) => [e.loss, e.valAccuracy]), test: r.test });
    expect(numbers(run)).toEqual(numbers(ref));
    const [w1, w2] = await Promise.all([savedWeights(out, run.id), savedWeights(out, ref.id)]);
    expect([...w1.values()].map((w) => Buffer.from(w.buffer).toString('base64'))).toEqual([...w2.values()].map((w) => Buffer.from(w.buffer).toString('base64')));
  }, 400_000);

  it('--init-from with --freeze 0 keeps layer 0 at the source weights and trains the rest; a different model is refused', async () => {
    const out = await tempDir('fmw-init-');
    const file = await experimentFile(out, { name: 'source', model, hyper: { epochs: 1, batchSize: 64, learningRate: 2e-3 } });
    const src = await cli(['--config', file, '--limit', '512', '--out', out, '--json']);
    expect(src.code, src.stderr).toBe(0);
    const srcId = JSON.parse(src.stdout).runs[0].id;
    const tuned = await cli(['--config', file, '--limit', '512', '--out', out, '--json', '--init-from', srcId, '--freeze', '0', '--seed', '9']);
    expect(tuned.code, tuned.stderr).toBe(0);
    const tunedId = JSON.parse(tuned.stdout).runs[0].id;
    const [a, b] = await Promise.all([savedWeights(out, srcId), savedWeights(out, tunedId)]);
    const names = [...a.keys()];
    const conv = names.filter((n) => n.startsWith('conv2d'));
    const dense = names.filter((n) => n.startsWith('dense'));
    expect(conv.length).toBe(2);
    for (const n of conv) expect(b.get(n)).toEqual(a.get(n));
    for (const n of dense) expect(b.get(n)).not.toEqual(a.get(n));
    const config = (await new RunStore(out).get(tunedId)).config!;
    expect(config.request.initFrom).toEqual({ runId: srcId, freeze: [0] });

    const wider = await experimentFile(out, { name: 'wider', model: { ...model, layers: [{ ...model.layers[0], filters: 8 }, ...model.layers.slice(1)] }, hyper: { epochs: 1 } });
    const refused = await cli(['--config', wider, '--limit', '512', '--out', out, '--init-from', srcId]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/cannot start from run .+: the architectures differ at layer 1 \(Conv2D\): the source has 40 params/);
  }, 300_000);
});
