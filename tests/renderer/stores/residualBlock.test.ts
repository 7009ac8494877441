// The residual-block insert: Conv → Conv → Add with the block input, a 1×1 projection only when the channels differ.
import { describe, expect, it } from 'vitest';
import { residualBlock } from '../../../renderer/src/stores/residualBlock.js';
import { inferShapes } from '../../../shared/model/inferShapes.js';

const OUT = { type: 'Dense', units: 10, activation: 'softmax' };

describe('residualBlock', () => {
  it('on the model input with other channels: a projection of "input", and the spec stays valid', () => {
    const block = residualBlock([OUT], 0, [28, 28, 1], 16)!;
    expect(block.nameBefore).toBeNull();
    expect(block.layers.map((l) => [l.name, l.type, l.inputs])).toEqual([
      ['res1_a', 'Conv2D', undefined], ['res1_b', 'Conv2D', undefined], ['res1_proj', 'Conv2D', ['input']], ['res1_add', 'Add', ['res1_b', 'res1_proj']],
    ]);
    const r = inferShapes({ name: 'm', inputShape: [28, 28, 1], layers: [...block.layers, { type: 'GlobalAveragePooling2D' }, OUT] });
    expect(r.issues).toEqual([]);
    // 9·16+16 = 160, 9·16·16+16 = 2,320, 1·16+16 = 32, Dense 16·10+10 = 170.
    expect(r.totalParams).toBe(160 + 2320 + 32 + 170);
  });

  it('after an unnamed layer with the same channels: names it, and adds without a projection', () => {
    const layers = [{ type: 'Conv2D', filters: 8, kernelSize: 3, padding: 'same' }, OUT];
    const block = residualBlock(layers, 1, [28, 28, 8], 8)!;
    expect(block.nameBefore).toEqual({ index: 0, name: 'res1_in' });
    expect(block.layers.map((l) => l.name)).toEqual(['res1_a', 'res1_b', 'res1_add']);
    expect(block.layers[2].inputs).toEqual(['res1_b', 'res1_in']);
  });

  it('a second block takes fresh names; a vector gets no block', () => {
    const first = residualBlock([OUT], 0, [28, 28, 1], 4)!;
    const second = residualBlock([...first.layers, OUT], 4, [28, 28, 4], 4)!;
    expect(second.layers.map((l) => l.name)).toEqual(['res2_a', 'res2_b', 'res2_add']);
    expect(second.layers[2].inputs).toEqual(['res2_b', 'res1_add']);
    expect(residualBlock([OUT], 0, [784], 8)).toBeNull();
  });
});
