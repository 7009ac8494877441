// Tests that one training step of every layer kind on wasm with the native kernels gives cpu's gradients.
import { beforeAll, describe, it } from 'vitest';
import { expectSameGradients, layerCases } from '../../layer-cases.js';
import { nativeMissing, useNative } from './setup.js';

beforeAll(useNative);

describe.skipIf(nativeMissing != null)(`a training step of each layer kind on wasm + native${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(Object.keys(layerCases))('%s: gradients equal cpu', async (name) => {
    await expectSameGradients(name, 'wasm');
  });
});
