// Model drafts on disk: sanitised file names (hostile names stay in the folder), atomic round trips, clear errors,
// and imports of our JSON and Keras's model.to_json() with messages naming what does not map.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DraftStore, ModelImportError, draftFileStem, exportModelJson, importModelJson } from '../../../electron/engine/drafts/store.js';
import { SpecError, inferShapes } from '../../../shared/model/inferShapes.js';

const OUT = { type: 'Dense', units: 10, activation: 'softmax' };
const spec = (name: string) => ({ name, inputShape: [784], layers: [{ type: 'Dense', units: 32, activation: 'relu' }, OUT] });

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'fmw-drafts-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('draftFileStem', () => {
  it.each([
    ['My CNN v2', 'my-cnn-v2'], ['../../etc/passwd', 'etc-passwd'], ['..', 'model'], ['.hidden', 'hidden'], ['CON', 'model-con'],
    ['a/b\\c:d*e?f"g<h>i|j', 'a-b-c-d-e-f-g-h-i-j'], ['Café résumé', 'cafe-resume'], ['x'.repeat(200), 'x'.repeat(80)], ['\u0000\u0001', 'model'],
  ])('%j → %s', (name, stem) => {
    expect(draftFileStem(name)).toBe(stem);
  });
});

describe('DraftStore', () => {
  it('saves, lists, reads back and removes drafts; hostile names stay inside the drafts folder', async () => {
    const store = new DraftStore(dir);
    await store.save(spec('Residual net'), null);
    await store.save(spec('../../evil'), 'seed-ann');
    expect((await readdir(path.join(dir, 'models'))).sort()).toEqual(['evil.json', 'residual-net.json']);
    expect((await readdir(dir)).sort()).toEqual(['models']);
    const { drafts, damaged } = await store.list();
    expect(drafts.map((d) => [d.name, d.presetId])).toEqual([['../../evil', 'seed-ann'], ['Residual net', null]]);
    expect(damaged).toEqual([]);
    expect((await store.spec('residual NET')).layers).toHaveLength(2);
    await store.remove('Residual net');
    expect((await store.list()).drafts.map((d) => d.name)).toEqual(['../../evil']);
  });

  it('an unknown name lists the saved drafts; a damaged file is reported, not fatal', async () => {
    const store = new DraftStore(dir);
    await expect(store.get('nope')).rejects.toThrow(/no model draft named "nope"; no drafts are saved in/);
    await store.save(spec('alpha'));
    await writeFile(path.join(dir, 'models', 'broken.json'), '{"format": "fmw-model-draft"');
    await expect(store.get('nope')).rejects.toThrow('no model draft named "nope"; saved drafts: "alpha"');
    const { drafts, damaged } = await store.list();
    expect(drafts.map((d) => d.name)).toEqual(['alpha']);
    expect(damaged[0].message).toMatch(/broken\.json is not JSON/);
  });

  it('a saved draft that does not validate fails to train with the spec\'s messages', async () => {
    const store = new DraftStore(dir);
    await store.save({ name: 'bad', inputShape: [784], layers: [{ type: 'Dense', units: 0 }, OUT] });
    await expect(store.spec('bad')).rejects.toThrow(/layer 1 \(Dense\): units must be a positive integer; got 0/);
  });
});

describe('importModelJson', () => {
  it('reads back what exportModelJson writes, and our draft files', () => {
    const s = importModelJson(JSON.stringify(spec('round trip')));
    expect(importModelJson(exportModelJson(s))).toEqual(s);
    expect(importModelJson(JSON.stringify({ format: 'fmw-model-draft', version: 1, savedAt: 'x', spec: spec('f') })).name).toBe('f');
  });

  it('refuses non-JSON, huge files and invalid specs with what is wrong', () => {
    expect(() => importModelJson('{')).toThrow(ModelImportError);
    expect(() => importModelJson(' '.repeat(2_000_001))).toThrow(/a model spec is far smaller/);
    expect(() => importModelJson(JSON.stringify({ name: 'x', inputShape: [784], layers: [{ type: 'Dense', units: 10, activation: 'sofmax' }] })))
      .toThrow(SpecError);
  });

  // model.to_json() of the residual example in Keras 2.15 (tf.keras), trimmed of initialiser configs.
  const keras2Functional = {
    class_name: 'Functional', keras_version: '2.15.0', backend: 'tensorflow',
    config: {
      name: 'residual', input_layers: [['input_1', 0, 0]], output_layers: [['dense', 0, 0]],
      layers: [
        { class_name: 'InputLayer', name: 'input_1', config: { batch_input_shape: [null, 28, 28, 1], dtype: 'float32', name: 'input_1' }, inbound_nodes: [] },
        { class_name: 'Conv2D', name: 'c1', config: { name: 'c1', trainable: true, filters: 16, kernel_size: [3, 3], strides: [1, 1], padding: 'same', data_format: 'channels_last', dilation_rate: [1, 1], groups: 1, activation: 'relu', use_bias: true, kernel_initializer: { class_name: 'GlorotUniform' }, bias_initializer: { class_name: 'Zeros' }, kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null }, inbound_nodes: [[['input_1', 0, 0, {}]]] },
        { class_name: 'Conv2D', name: 'c2', config: { name: 'c2', filters: 16, kernel_size: [3, 3], strides: [1, 1], padding: 'same', data_format: 'channels_last', dilation_rate: [1, 1], activation: 'relu', use_bias: true }, inbound_nodes: [[['c1', 0, 0, {}]]] },
        { class_name: 'Add', name: 'add', config: { name: 'add', trainable: true, dtype: 'float32' }, inbound_nodes: [[['c1', 0, 0, {}], ['c2', 0, 0, {}]]] },
        { class_name: 'SeparableConv2D', name: 'sep', config: { name: 'sep', filters: 32, kernel_size: [3, 3], strides: [1, 1], padding: 'valid', data_format: 'channels_last', dilation_rate: [1, 1], depth_multiplier: 1, activation: 'relu', use_bias: true, depthwise_regularizer: null, pointwise_regularizer: null }, inbound_nodes: [[['add', 0, 0, {}]]] },
        { class_name: 'LayerNormalization', name: 'ln', config: { name: 'ln', axis: [3], epsilon: 0.001, center: true, scale: true }, inbound_nodes: [[['sep', 0, 0, {}]]] },
        { class_name: 'GlobalMaxPooling2D', name: 'gmp', config: { name: 'gmp', data_format: 'channels_last', keepdims: false }, inbound_nodes: [[['ln', 0, 0, {}]]] },
        { class_name: 'Dense', name: 'dense', config: { name: 'dense', units: 10, activation: 'softmax', use_bias: true }, inbound_nodes: [[['gmp', 0, 0, {}]]] },
      ],
    },
  };

  it('a Keras 2 Functional model maps to a graph spec with the same 3,562 params', () => {
    const s = importModelJson(JSON.stringify(keras2Functional));
    expect(s.layers.map((l) => [l.type, l.name, l.inputs])).toEqual([
      ['Conv2D', 'c1', undefined], ['Conv2D', 'c2', undefined], ['Add', 'add', ['c1', 'c2']], ['SeparableConv2D', 'sep', undefined],
      ['LayerNormalization', 'ln', undefined], ['GlobalMaxPooling2D', 'gmp', undefined], ['Dense', 'dense', undefined],
    ]);
    expect(inferShapes(s).totalParams).toBe(3562);
  });

  it('a Keras 3 Sequential model (batch_shape, keras_history) maps, LeakyReLU\'s negative_slope included', () => {
    const keras3 = {
      class_name: 'Sequential', config: {
        name: 'seq', layers: [
          { class_name: 'InputLayer', config: { batch_shape: [null, 784], name: 'input_layer' } },
          { class_name: 'Dense', config: { name: 'd1', units: 64, activation: 'linear', use_bias: true } },
          { class_name: 'LeakyReLU', config: { name: 'lr', negative_slope: 0.1 } },
          { class_name: 'Dropout', config: { name: 'dr', rate: 0.2, seed: null, noise_shape: null } },
          { class_name: 'Dense', config: { name: 'out', units: 10, activation: 'softmax' } },
        ],
      },
    };
    const s = importModelJson(JSON.stringify(keras3));
    expect(s.inputShape).toEqual([784]);
    expect(s.layers[1]).toMatchObject({ type: 'LeakyReLU', alpha: 0.1 });
    expect(inferShapes(s).totalParams).toBe(784 * 64 + 64 + 64 * 10 + 10);
  });

  it('names every layer and field that does not map', () => {
    const bad = structuredClone(keras2Functional);
    bad.config.layers[0].config.batch_input_shape = [null, 32, 32, 3];
    (bad.config.layers[1].config as Record<string, unknown>).kernel_regularizer = { class_name: 'L2', config: { l2: 0.01 } };
    bad.config.layers.splice(5, 0, { class_name: 'Activation', name: 'act', config: { name: 'act', activation: 'relu' } as never, inbound_nodes: [[['sep', 0, 0, {}]]] });
    expect(() => importModelJson(JSON.stringify(bad))).toThrow(ModelImportError);
    let message = '';
    try { importModelJson(JSON.stringify(bad)); } catch (err) { message = (err as Error).message; }
    expect(message).toContain('Keras layer 2 "c1" (Conv2D): kernel_regularizer "L2" does not map');
    expect(message).toContain('Keras layer 6 "act" (Activation): no layer kind here matches Activation (set the activation on the layer before it instead)');
    expect(message).toContain('the input shape [null,32,32,3] is not (None, 784) or (None, 28, 28, 1)');
  });
});
