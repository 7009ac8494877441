// Tests the webgpu backend's selection: adapter description, auto never on a software adapter, explicit choice on any,
// and the skipped reason naming the cause (software adapter only here; no adapter in a process without a driver).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendInfoSchema } from '../../../shared/run.js';
import { adapterSummary } from '../../../shared/gpuAdapter.js';
import { availableBackends, selectBackend } from '../../../electron/engine/backend/select.js';
import { describeAdapter } from '../../../electron/engine/backend/webgpu.js';
import { requireInCi } from '../../helpers/ciRequire.js';
import { swiftShaderEnv, swiftShaderPresent, useSwiftShaderInProcess } from '../../helpers/swiftshader.js';

const present = requireInCi(swiftShaderPresent(), 'chromium\'s SwiftShader Vulkan driver (/usr/lib/chromium/vk_swiftshader_icd.json; .ci/run installs chromium)');
if (present) useSwiftShaderInProcess();

const fixture = fileURLToPath(new URL('./fixtures/webgpu-probe.ts', import.meta.url));
function probeIn(env: NodeJS.ProcessEnv): Promise<{ auto: unknown; explicit: { ok: boolean; info?: unknown; message?: string } }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', fixture], { env, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}

describe('describeAdapter', () => {
  it('marks SwiftShader (fallback) and llvmpipe (software, not flagged) as software, a discrete GPU as hardware', () => {
    const swift = describeAdapter({ info: { vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true } });
    expect(swift).toEqual({ name: 'SwiftShader driver 5.0.0', vendor: 'google', architecture: 'swiftshader', fallback: true, software: true });
    expect(adapterSummary(swift)).toBe('SwiftShader driver 5.0.0 (google; software fallback adapter, runs on the CPU)');
    const lavapipe = describeAdapter({ info: { vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' } });
    expect(lavapipe).toMatchObject({ software: true, fallback: false });
    const nvidia = describeAdapter({ info: { vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA GeForce RTX 3080' } });
    expect(nvidia).toMatchObject({ name: 'NVIDIA GeForce RTX 3080', software: false, fallback: false });
    expect(adapterSummary(nvidia)).toBe('NVIDIA GeForce RTX 3080 (ampere; hardware adapter)');
    expect(describeAdapter({ isFallbackAdapter: true, info: { vendor: 'x', description: 'Some GPU' } })).toMatchObject({ fallback: true, software: true });
  });
});

describe.skipIf(!present)('webgpu selection with SwiftShader as the only adapter', () => {
  afterAll(async () => {
    await selectBackend('cpu');
  });

  it('auto never picks a software adapter: it skips webgpu and names the adapter', async () => {
    const info = BackendInfoSchema.parse(await selectBackend('auto'));
    expect(info.name).not.toBe('webgpu');
    const skipped = info.skipped.find((s) => s.name === 'webgpu');
    expect(skipped?.reason).toMatch(/^software adapter only \(SwiftShader.*fallback adapter\)/);
    expect(info.adapter).toBeUndefined();
    expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBeUndefined();
  });

  it('an explicit choice takes the software adapter and says so', async () => {
    const info = BackendInfoSchema.parse(await selectBackend('webgpu'));
    expect(info).toMatchObject({ name: 'webgpu', skipped: [], adapter: { software: true, fallback: true, vendor: 'google' } });
    expect(info.adapter!.name).toMatch(/SwiftShader/);
    expect(info.reason).toMatch(/webgpu chosen explicitly: WebGPU via Dawn; adapter SwiftShader.*software fallback adapter.*far slower than the wasm backend/);
    expect(tf.getBackend()).toBe('webgpu');
    const y = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])));
    expect(Array.from(await y.data())).toEqual([11]);
    y.dispose();
    expect(await availableBackends()).toContain('webgpu');
  });

  it('names the cause when there is no adapter at all', async () => {
    // Only a driver list that does not exist: the Vulkan loader (chromium's, on LD_LIBRARY_PATH) finds no device.
    const env = { ...swiftShaderEnv(), VK_ICD_FILENAMES: '/nonexistent/icd.json' };
    const r = await probeIn(env);
    const auto = BackendInfoSchema.parse(r.auto);
    expect(auto.skipped.find((s) => s.name === 'webgpu')?.reason).toMatch(/^no WebGPU adapter \(no Vulkan driver offered one\)/);
    expect(r.explicit.ok).toBe(false);
    expect(r.explicit.message).toMatch(/backend "webgpu" is not available: webgpu: no WebGPU adapter/);
  });

  it('in a process started with the SwiftShader environment (as the CLI is), auto still skips it and explicit uses it', async () => {
    const r = await probeIn(swiftShaderEnv());
    expect(BackendInfoSchema.parse(r.auto).skipped.find((s) => s.name === 'webgpu')?.reason).toMatch(/^software adapter only/);
    expect(r.explicit.ok).toBe(true);
    expect(BackendInfoSchema.parse(r.explicit.info).adapter?.software).toBe(true);
  });
});
