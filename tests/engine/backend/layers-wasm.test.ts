// Tests that one training step of every layer kind works on wasm (with our pure-wasm kernels) and gives cpu's gradients.
import { beforeAll, describe, it } from 'vitest';
import { selectBackend } from '../../../electron/engine/backend/select.js';
import { expectSameGradients, layerCases } from './layer-cases.js';

beforeAll(async () => {
  await selectBackend('wasm', { native: false });
});

describe('a training step of each layer kind on wasm', () => {
  it.each(Object.keys(layerCases))('%s: gradients equal cpu', async (name) => {
    await expectSameGradients(name, 'wasm');
  });
});
