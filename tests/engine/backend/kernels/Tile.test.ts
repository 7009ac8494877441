// Tests the wasm Tile we register (block copies on the heap) against the 'cpu' backend, for every dtype it handles.
import { beforeAll, describe, it } from 'vitest';
import { selectBackend } from '../../../../electron/engine/backend/select.js';
import { expectClose, randomValues, runOn } from './reference.js';

beforeAll(async () => {
  await selectBackend('wasm', { native: false });
});

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

const CASES: Array<[number[], number[]]> = [
  [[1, 1, 1, 16], [32, 28, 28, 1]], // BatchNormalization's gradient: per-channel statistics to activations
  [[5], [1]],
  [[5], [3]],
  [[2, 3], [2, 2]],
  [[3, 1, 4], [2, 5, 1]],
  [[2, 2, 3, 2], [1, 3, 1, 4]],
  [[4, 1, 1, 3], [1, 6, 7, 1]],
  [[2, 3, 2, 1, 2], [2, 1, 3, 2, 1]],
];

describe('Tile on wasm equals cpu', () => {
  it.each(CASES)('float32 shape %j reps %j', async (shape, reps) => {
    const inputs = { x: { shape, values: randomValues(size(shape), size(shape) + reps.length) } };
    expectClose(await runOn('wasm', 'Tile', inputs, { reps }), await runOn('cpu', 'Tile', inputs, { reps }), 0, 'Tile');
  });

  it.each(CASES.slice(1, 5))('int32 and bool shape %j reps %j', async (shape, reps) => {
    const ints = Int32Array.from(randomValues(size(shape), 7), (v) => Math.round(v * 100));
    for (const dtype of ['int32', 'bool'] as const) {
      const values = dtype === 'bool' ? Int32Array.from(ints, (v) => (v > 0 ? 1 : 0)) : ints;
      const inputs = { x: { shape, values, dtype } };
      expectClose(await runOn('wasm', 'Tile', inputs, { reps }), await runOn('cpu', 'Tile', inputs, { reps }), 0, `Tile ${dtype}`);
    }
  });
});
