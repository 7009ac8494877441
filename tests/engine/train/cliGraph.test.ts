// CLI: the residual example (a graph model with the new layer kinds) reports 3,562 params and trains.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fixtureDir, removeTempDirs, tempDir } from './helpers.js';
import { DraftStore } from '../../../electron/engine/drafts/store.js';
import { defaultAppDataDir } from '../../../electron/engine/workbench.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = await fixtureDir(12000, 1000);
});
afterAll(removeTempDirs);

function cli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('npx', ['tsx', 'electron/cli/experiment.ts', ...args], { env: { ...process.env, FASHION_MNIST_STRICT: '0', ...env }, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const RESIDUAL_EXAMPLE = {
  name: 'residual example',
  inputShape: [28, 28, 1],
  layers: [
    { type: 'Conv2D', name: 'c1', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'Conv2D', name: 'c2', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'Add', inputs: ['c1', 'c2'] },
    { type: 'SeparableConv2D', filters: 32, kernelSize: 3, activation: 'relu' },
    { type: 'LayerNormalization' },
    { type: 'GlobalMaxPooling2D' },
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
};

describe('experiment CLI with a graph model', () => {
  it('the residual example reports "params": 3562, trains with AdamW, label smoothing, clipNorm and the plateau schedule, and stores a loadable graph model', async () => {
    const out = await tempDir('fmw-cli-graph-');
    const file = path.join(out, 'exp.json');
    const hyper = {
      epochs: 1, batchSize: 64, optimizer: { type: 'adamw', weightDecay: 1e-4 }, labelSmoothing: 0.1, clipNorm: 1,
      schedule: { type: 'plateau', factor: 0.5, patience: 0 },
    };
    await writeFile(file, JSON.stringify({ runs: [{ model: RESIDUAL_EXAMPLE, hyper }] }));
    const r = await cli(['--config', file, '--data-dir', dataDir, '--limit', '200', '--backend', 'wasm', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const [run] = JSON.parse(r.stdout).runs as Array<{ id: string; status: string; params: number; epochs: number }>;
    expect(run).toMatchObject({ status: 'finished', params: 3562, epochs: 1 });
    // The stored config is what the run trained with.
    const config = JSON.parse(await readFile(path.join(out, run.id, 'config.json'), 'utf8'));
    expect(config.request?.hyper ?? config.hyper).toMatchObject(hyper);
    // A functional model in tfjs's layers format: class "Model" with the Add's two inbound layers.
    const saved = JSON.parse(await readFile(path.join(out, run.id, 'model', 'model.json'), 'utf8'));
    expect(saved.modelTopology.class_name).toBe('Model');
    const add = saved.modelTopology.config.layers.find((l: { class_name: string }) => l.class_name === 'Add');
    expect(add.inbound_nodes[0].map((n: unknown[]) => n[0])).toEqual(['c1', 'c2']);
  }, 300_000);

  it('--model NAME trains a draft saved in the app data folder; an unknown name lists the saved ones', async () => {
    const out = await tempDir('fmw-cli-draft-');
    // The app data folder follows XDG_CONFIG_HOME on Linux, as the app's does.
    const env = { XDG_CONFIG_HOME: path.join(out, 'config') };
    await new DraftStore(defaultAppDataDir({ ...process.env, ...env })).save({
      name: 'Tiny MLP', inputShape: [784], layers: [{ type: 'Dense', units: 16, activation: 'relu' }, { type: 'Dense', units: 10, activation: 'softmax' }],
    });
    const unknown = await cli(['--model', 'nope', '--data-dir', dataDir, '--out', out], env);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('no model draft named "nope"; saved drafts: "Tiny MLP"');
    const r = await cli(['--model', 'tiny mlp', '--data-dir', dataDir, '--limit', '200', '--epochs', '1', '--backend', 'wasm', '--out', out, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const [run] = JSON.parse(r.stdout).runs as Array<{ status: string; params: number; name: string }>;
    // 784·16 + 16 + 16·10 + 10 = 12,730.
    expect(run).toMatchObject({ status: 'finished', params: 12_730, name: 'Tiny MLP' });
  }, 300_000);
});
