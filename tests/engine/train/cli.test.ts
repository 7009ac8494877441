import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { fixtureDir, tempDir, removeTempDirs } from './helpers.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = await fixtureDir(12000, 1000);
});

function cli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('npx', ['tsx', 'electron/cli/experiment.ts', ...args], { env: { ...process.env, FASHION_MNIST_STRICT: '0', ...env }, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

afterAll(removeTempDirs);

describe('experiment CLI', () => {
  it('trains the seed comparison and prints one JSON document on stdout', async () => {
    const out = await tempDir('fmw-cli-');
    const r = await cli(['--preset', 'seed', '--data-dir', dataDir, '--limit', '300', '--epochs', '1', '--backend', 'wasm', '--out', out, '--json', '--report', path.join(out, 'reports') + '/']);
    expect(r.stderr).toMatch(/seed-cnn/);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.runs).toHaveLength(2);
    const [ann, cnn] = doc.runs;
    expect(ann.preset).toBe('seed-ann');
    expect(ann.params).toBe(235146);
    expect(cnn.params).toBe(225034);
    for (const run of doc.runs) {
      expect(run.status).toBe('finished');
      expect(run.backend).toBe('wasm');
      expect(run.epochs).toBe(1);
      expect(run.trainSeconds).toBeGreaterThan(0);
      expect(run.samplesPerSecond).toBeGreaterThan(0);
      expect(run.test.accuracy).toBeGreaterThan(0.3);
      expect(run.test.macroF1).toBeGreaterThan(0);
    }
    // McNemar's χ² recomputed here from the two runs' stored test predictions: discordant pairs b (only A right) and
    // c (only B right), continuity-corrected (|b − c| − 1)² / (b + c), 0 when b = c.
    const [pa, pb] = await Promise.all(doc.runs.map(async (run: { id: string }) => JSON.parse(await readFile(path.join(out, run.id, 'predictions.json'), 'utf8'))));
    expect(pb.testIndices).toEqual(pa.testIndices);
    expect(pb.labels).toEqual(pa.labels);
    expect(pa.labels.length).toBeGreaterThan(0);
    let b = 0;
    let c = 0;
    pa.labels.forEach((label: number, i: number) => {
      const aRight = pa.predicted[i] === label;
      const bRight = pb.predicted[i] === label;
      if (aRight && !bRight) b++;
      if (!aRight && bRight) c++;
    });
    expect(b + c).toBeGreaterThan(0); // two different one-epoch models on 300 samples disagree somewhere
    expect(doc.mcnemar).toMatchObject({ a: ann.id, b: cnn.id, n01: b, n10: c });
    expect(doc.mcnemar.statistic).toBeCloseTo(b === c ? 0 : (Math.abs(b - c) - 1) ** 2 / (b + c), 12);
    // The report lands in the folder, named from the title and date, and is a real PDF with both runs in it.
    expect(path.basename(doc.report)).toMatch(/^seed-ann-vs-seed-cnn-\d{4}-\d{2}-\d{2}\.pdf$/);
    const text = execFileSync('pdftotext', [doc.report, '-'], { encoding: 'utf8' });
    expect(text).toContain('seed-ann');
    expect(text).toContain('seed-cnn');
    expect(text).toMatch(/McNemar/);
  });

  it('prints a comparison table without --json', async () => {
    const out = await tempDir('fmw-cli-');
    const r = await cli(['--preset', 'seed-ann', '--data-dir', dataDir, '--limit', '200', '--epochs', '1', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/run\s+id\s+status\s+params/);
    // The run id that `npm run report` takes is on the run's row.
    const id = /^seed-ann\s+(\S+)\s+finished\s+235,146/m.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    expect(existsSync(path.join(out, id!, 'config.json'))).toBe(true);
  });

  it('runs an experiment file', async () => {
    const out = await tempDir('fmw-cli-');
    const file = path.join(out, 'exp.json');
    await writeFile(file, JSON.stringify({ name: 'lr sweep', data: { limit: 200 }, runs: [
      { preset: 'seed-ann', name: 'lr 1e-3', hyper: { epochs: 1 } },
      { preset: 'seed-ann', name: 'lr 1e-2', hyper: { epochs: 1, learningRate: 0.01 } },
    ] }));
    const r = await cli(['--config', file, '--data-dir', dataDir, '--out', out, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).runs.map((x: { name: string }) => x.name)).toEqual(['lr 1e-3', 'lr 1e-2']);
  });

  it('trains a run file with a model and a partial hyper (the rest from the seed setup)', async () => {
    const out = await tempDir('fmw-cli-');
    const file = path.join(out, 'exp.json');
    const model = { name: 'tiny mlp', inputShape: [28, 28, 1], layers: [{ type: 'Flatten' }, { type: 'Dense', units: 32, activation: 'relu' }, { type: 'Dense', units: 10, activation: 'softmax' }] };
    await writeFile(file, JSON.stringify({ data: { limit: 200 }, runs: [{ model, hyper: { epochs: 1 } }] }));
    const r = await cli(['--config', file, '--data-dir', dataDir, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const [run] = JSON.parse(r.stdout).runs as Array<{ id: string; status: string; epochs: number }>;
    expect(run.status).toBe('finished');
    expect(run.epochs).toBe(1);
    const config = JSON.parse(await readFile(path.join(out, run.id, 'config.json'), 'utf8'));
    expect(config.request.hyper).toMatchObject({ epochs: 1, learningRate: 1e-3, batchSize: 128, optimizer: { type: 'adam' } });
  });

  it('fails with a clear message on bad input', async () => {
    const badEpochs = await cli(['--preset', 'seed-ann', '--epochs', 'zero']);
    expect(badEpochs.code).not.toBe(0);
    expect(badEpochs.stderr).toMatch(/--epochs must be an integer/);

    const unknown = await cli(['--preset', 'resnet-9000']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/resnet-9000/);
    expect(unknown.stderr).toMatch(/seed-ann/);

    const missing = await cli(['--preset', 'seed-ann', '--data-dir', '/nonexistent/fmnist', '--out', os.tmpdir()]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/\/nonexistent\/fmnist/);

    const absurd = await cli(['--preset', 'seed-ann', '--lr', '1000', '--data-dir', dataDir]);
    expect(absurd.code).not.toBe(0);
    expect(absurd.stderr).toMatch(/learning rate/);
  });
});
