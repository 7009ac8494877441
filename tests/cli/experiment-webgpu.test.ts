// Tests the done-when commands: the experiment CLI on --backend webgpu with SwiftShader learns on real data
// (seed ANN) and finishes a CNN; the CLI output names the adapter and that it is a software one.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireInCi } from '../helpers/ciRequire.js';
import { swiftShaderEnv, swiftShaderPresent } from '../helpers/swiftshader.js';
import { removeTempDirs, tempDir } from '../engine/train/helpers.js';

const DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';
const data = requireInCi(existsSync(path.join(DEBIAN_DIR, 'train-images-idx3-ubyte.gz')), `Fashion-MNIST in ${DEBIAN_DIR} (apt-get install dataset-fashion-mnist)`);
const gpu = requireInCi(swiftShaderPresent(), 'chromium\'s SwiftShader Vulkan driver (/usr/lib/chromium/vk_swiftshader_icd.json; .ci/run installs chromium)');

function experiment(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // As a user with a software Vulkan driver would run it: the driver comes from the environment, not from the app.
    execFile('npx', ['tsx', 'electron/cli/experiment.ts', ...args], { env: swiftShaderEnv(), maxBuffer: 1 << 26, timeout: 900_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

afterAll(removeTempDirs);

describe.skipIf(!data || !gpu)('experiment --backend webgpu on SwiftShader (real data)', () => {
  it('seed-ann --limit 2000 --epochs 1 runs on webgpu and learns', async () => {
    const out = await tempDir('fmw-webgpu-cli-');
    const r = await experiment(['--preset', 'seed-ann', '--backend', 'webgpu', '--limit', '2000', '--epochs', '1', '--json', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('"backend": "webgpu"');
    const [run] = JSON.parse(r.stdout).runs;
    expect(run).toMatchObject({ status: 'finished', backend: 'webgpu', adapter: { software: true } });
    expect(run.adapter.name).toMatch(/SwiftShader/);
    expect(run.test.accuracy).toBeGreaterThan(0.5);
    expect(r.stderr).toMatch(/params on webgpu \(SwiftShader.*software fallback adapter, runs on the CPU\)/);
  }, 900_000);

  it('seed-cnn finishes on webgpu (64 samples here: SwiftShader takes minutes per CNN batch of 128)', async () => {
    const out = await tempDir('fmw-webgpu-cli-');
    const r = await experiment(['--preset', 'seed-cnn', '--backend', 'webgpu', '--limit', '64', '--batch-size', '32', '--epochs', '1', '--json', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const [run] = JSON.parse(r.stdout).runs;
    expect(run).toMatchObject({ status: 'finished', backend: 'webgpu', epochs: 1 });
    expect(Number.isFinite(run.history[0].loss)).toBe(true);
  }, 900_000);
});
