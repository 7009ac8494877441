// Tests the training options from an experiment file: validation messages, and a seed-CNN run with AdamW, label
// smoothing, clipNorm and the plateau schedule through the real CLI (fixture data), its rates following the rule.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExperimentRunSchema, toTrainRequest } from '../../../electron/cli/experimentConfig.js';
import { PlateauRule } from '../../../shared/plateau.js';
import { fixtureDir, removeTempDirs, tempDir } from '../../engine/train/helpers.js';

afterAll(removeTempDirs);

const OPTIONS = {
  optimizer: { type: 'adamw', weightDecay: 0.01 },
  labelSmoothing: 0.1,
  clipNorm: 1,
  schedule: { type: 'plateau', factor: 0.5, patience: 0 },
};

describe('training options in an experiment file', () => {
  it('parse onto the seed CNN', () => {
    const req = toTrainRequest(ExperimentRunSchema.parse({ preset: 'seed-cnn', hyper: OPTIONS }), {});
    expect(req.hyper.optimizer).toEqual({ type: 'adamw', beta1: 0.9, beta2: 0.999, weightDecay: 0.01 });
    expect(req.hyper.labelSmoothing).toBe(0.1);
    expect(req.hyper.clipNorm).toBe(1);
    expect(req.hyper.schedule).toEqual({ type: 'plateau', factor: 0.5, patience: 0 });
  });

  it.each([
    [{ labelSmoothing: 0.7 }, 'labelSmoothing: labelSmoothing must be in [0, 0.5]'],
    [{ optimizer: { type: 'adamw', weightDecay: -0.1 } }, 'optimizer.weightDecay: weightDecay must be ≥ 0'],
    [{ schedule: { type: 'plateau', factor: 2, patience: 1 } }, 'schedule.factor: factor must be in (0, 1)'],
    [{ clipNorm: 0 }, 'clipNorm: clipNorm must be > 0'],
    [{ augmentation: { cutout: { probability: 0.5, size: 40 } } }, 'augmentation.cutout.size: cutout size must be ≤ 28 px'],
  ])('%o is refused with the field and the rule', (hyper, message) => {
    expect(() => toTrainRequest(ExperimentRunSchema.parse({ preset: 'seed-cnn', hyper }), {})).toThrow(message);
  });

  it('a per-layer regularizer or initializer outside the rules is refused where it is', () => {
    const model = {
      name: 'm', inputShape: [784],
      layers: [{ type: 'Dense', units: 10, activation: 'softmax', kernelRegularizer: { l2: -1 }, kernelInitializer: 'ones' }],
    };
    const parsed = ExperimentRunSchema.safeParse({ model });
    expect(parsed.success).toBe(false);
    const text = parsed.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    expect(text).toContain('model.layers.0.kernelRegularizer.l2: kernelRegularizer.l2 must be ≥ 0');
    expect(text).toContain('model.layers.0.kernelInitializer');
  });

  it('the seed CNN trains from the CLI with AdamW, label smoothing, clipNorm and the plateau schedule', async () => {
    const data = await fixtureDir(12000, 1000);
    const out = await tempDir('fmw-cli-opts-');
    const file = path.join(out, 'exp.json');
    await writeFile(file, JSON.stringify({ runs: [{ preset: 'seed-cnn', hyper: { ...OPTIONS, learningRate: 0.003 } }] }));
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile('npx', ['tsx', 'electron/cli/experiment.ts', '--config', file, '--data-dir', data, '--limit', '600', '--epochs', '4', '--backend', 'wasm', '--out', out, '--json'],
        { env: { ...process.env, FASHION_MNIST_STRICT: '0' }, maxBuffer: 1 << 26 }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }));
    });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.runs[0].status).toBe('finished');
    expect(doc.runs[0].epochs).toBe(4);
    const events = (await readFile(path.join(out, doc.runs[0].id, 'events.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    const epochs = events.filter((e) => e.type === 'epochEnd').map((e) => e.summary);
    expect(epochs[0].learningRate).toBe(0.003);
    // Each epoch's rate is what PyTorch's rule gives from the validation losses before it.
    const rule = new PlateauRule({ type: 'plateau', factor: 0.5, patience: 0 }, 0.003);
    for (let k = 1; k < epochs.length; k++) expect(epochs[k].learningRate).toBe(rule.update(epochs[k - 1].valLoss));
    expect(epochs.every((e: { loss: number }) => Number.isFinite(e.loss))).toBe(true);
  }, 240_000);
});
