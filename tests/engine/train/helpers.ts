// Test helpers for training: a fixture data set on disk and run configs over small specs.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFixtureDataset } from '../../helpers/idxFixtures.js';
import { TrainRequestSchema, type RunConfig, type TrainRequestInput } from '../../../shared/run.js';

const created: string[] = [];

/** A fresh temp folder, removed by removeTempDirs (call it from afterAll). */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(created.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

export async function fixtureDir(train = 600, test = 200): Promise<string> {
  const dir = await tempDir('fmw-fixture-');
  await writeFixtureDataset(dir, { train, test, gzip: true, seed: 7 });
  return dir;
}

export const tinyAnn = {
  name: 'tiny-ann',
  inputShape: [784] as [784],
  layers: [
    { type: 'Dense' as const, units: 32, activation: 'relu' as const },
    { type: 'Dense' as const, units: 10, activation: 'softmax' as const },
  ],
};

export const tinyCnn = {
  name: 'tiny-cnn',
  inputShape: [28, 28, 1] as [28, 28, 1],
  layers: [
    { type: 'Conv2D' as const, filters: 4, kernelSize: 3, activation: 'relu' as const },
    { type: 'MaxPooling2D' as const, poolSize: 2 },
    { type: 'Flatten' as const },
    { type: 'Dense' as const, units: 10, activation: 'softmax' as const },
  ],
};

export function runConfig(id: string, overrides: Partial<TrainRequestInput> = {}, seed = 1): RunConfig {
  const request = TrainRequestSchema.parse({
    model: tinyAnn,
    hyper: { learningRate: 0.01, batchSize: 32, epochs: 3, seed },
    data: { split: { type: 'tail', validationSize: 100 } },
    backend: 'cpu',
    ...overrides,
  });
  return { id, name: id, createdAt: new Date().toISOString(), request, seed: request.hyper.seed, groupId: null, repeatIndex: 0 };
}
