// Tests that one training step of every layer kind on wasm with the native kernels gives cpu's gradients.
import { beforeAll, describe, expect, it } from 'vitest';
import { expectSameGradients, layerCases } from '../../layer-cases.js';
import { NATIVE_KERNELS } from '../../../../../electron/engine/backend/native/addon.js';
import { addon, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);

describe.skipIf(nativeMissing != null)(`a training step of each layer kind on wasm + native${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  const total = () => NATIVE_KERNELS.reduce((n, k) => n + addon!.counts()[k], 0);
  let before = 0;
  beforeAll(() => { if (addon) before = total(); });

  it.each(Object.keys(layerCases))('%s: gradients equal cpu', async (name) => {
    await expectSameGradients(name, 'wasm');
  });

  it('the native kernels ran during those steps', () => {
    expect(total() - before).toBeGreaterThan(0);
  });
});
