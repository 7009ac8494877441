// Graph specs: "name" and "inputs" resolved to earlier layers, with a message naming the layer for each way it can fail.
import { describe, expect, it } from 'vitest';
import { formatSummary, inferShapes } from '../../../shared/model/inferShapes.js';
import { isChain } from '../../../shared/model/graph.js';
import { ModelSpecSchema } from '../../../shared/spec.js';

const OUT = { type: 'Dense', units: 10, activation: 'softmax' } as const;
const conv = (name: string, extra: object = {}) => ({ type: 'Conv2D', name, filters: 8, kernelSize: 3, padding: 'same', ...extra });
const model = (...layers: object[]) => ({ name: 'g', inputShape: [28, 28, 1], layers: [...layers, { type: 'GlobalAveragePooling2D' }, OUT] });
const messages = (spec: object) => inferShapes(spec).issues.map((i) => `${i.layerIndex}:${i.field ?? ''}:${i.message}`);

describe('graph validation', () => {
  it('an unknown input name lists the names that exist', () => {
    expect(messages(model(conv('a'), conv('b'), { type: 'Add', inputs: ['a', 'c'] }))).toEqual([
      '2:inputs:layer 3 (Add): inputs names "c", which no layer is called (earlier layers are named "a", "b"; "input" is the model input)',
    ]);
  });

  it('a forward reference and a self reference (the only ways to write a cycle) are refused', () => {
    expect(messages(model(conv('a', { inputs: ['b'] }), conv('b')))[0])
      .toBe('0:inputs:layer 1 (Conv2D): inputs names "b", which is layer 2 (Conv2D), after it; inputs may name only earlier layers (no cycles or forward references)');
    expect(messages(model(conv('a'), conv('b', { inputs: ['b'] })))[0]).toMatch(/^1:inputs:layer 2 \(Conv2D\): inputs names the layer itself \("b"\), a cycle/);
  });

  it('duplicate names and the reserved name "input"', () => {
    expect(messages(model(conv('a'), conv('a')))).toContain('1:name:layer 2 (Conv2D): name "a" is already used by layer 1 (Conv2D); layer names must be unique');
    expect(messages(model(conv('input')))[0]).toMatch(/^0:name:layer 1 \(Conv2D\): the name "input" is reserved/);
  });

  it('Add with mismatched shapes names both inputs with their shapes and suggests the fix', () => {
    expect(messages(model(conv('a'), conv('b', { filters: 4 }), { type: 'Add', inputs: ['a', 'b'] }))).toEqual([
      '2:inputs:layer 3 (Add): Add needs inputs of one shape; got "a" (layer 1) 28×28×8, "b" (layer 2) 28×28×4. '
        + "Use padding 'same' on the branch, or a 1×1 Conv2D projection to match the channels",
    ]);
    expect(messages(model(conv('a'), conv('b', { padding: 'valid' }), { type: 'Concatenate', inputs: ['a', 'b'] }))[0])
      .toMatch(/Concatenate joins along the channel axis, so all other sizes must match; got "a" \(layer 1\) 28×28×8, "b" \(layer 2\) 26×26×8/);
  });

  it('a merge with one input, and a branch nothing uses', () => {
    expect(messages(model(conv('a'), { type: 'Add' }))[0]).toMatch(/^1:inputs:layer 2 \(Add\) merges two or more layers: name them in "inputs"/);
    expect(messages(model(conv('a'), conv('side'), conv('b', { inputs: ['a'] }))))
      .toEqual(['1::layer 2 (Conv2D) "side": no later layer takes its output, so it is not part of the model; name it in a later layer\'s "inputs" or remove it']);
  });

  it('bad names and inputs are schema issues on the field', () => {
    expect(messages(model({ ...conv('1x') }))[0]).toMatch(/^0:name:layer 1 \(Conv2D\): name must be a name that starts with a letter/);
    expect(messages(model(conv('a', { inputs: [] })))[0]).toMatch(/^0:inputs:layer 1 \(Conv2D\): inputs must be a list of 1 to 16 names/);
  });
});

describe('chains and graphs', () => {
  it('a chain with names, or inputs naming the previous layer, stays sequential; a skip or merge makes a graph', () => {
    const parse = (spec: object) => ModelSpecSchema.parse(spec).layers;
    expect(isChain(parse(model(conv('a'), conv('b', { inputs: ['a'] }))))).toBe(true);
    expect(isChain(parse(model(conv('a'), conv('b', { inputs: ['input'] }))))).toBe(false);
    expect(isChain(parse(model(conv('a'), conv('b'), { type: 'Add', inputs: ['a', 'b'] })))).toBe(false);
  });

  it('a sequential summary keeps its columns; a graph gets "Connected to"', () => {
    const chain = formatSummary(inferShapes(model(conv('a'))));
    expect(chain).not.toMatch(/Connected to/);
    const graph = formatSummary(inferShapes(model(conv('a'), conv('b'), { type: 'Add', inputs: ['a', 'b'] })));
    expect(graph).toMatch(/Connected to/);
    expect(graph).toMatch(/add \(Add\)\s+\(None, 28, 28, 8\)\s+0 {2}a, b/);
  });

  it('an auto name skips a name a user gave another layer', () => {
    const r = inferShapes(model({ ...conv('conv2d') }, conv('x', { name: undefined })));
    expect(r.layers.map((l) => l.name)).toEqual(['conv2d', 'conv2d_1', 'global_average_pooling2d', 'dense']);
  });
});
