// Tests the fused graph CNN training step: bit for bit the taped step's weights, optimizer state, losses and hits for
// residual-sep and smaller graph CNNs (1 and 2 native threads, several optimizers, −0/+Inf/NaN pixels), proven to run
// (its counter), no tensor left behind, the taped step's addon calls, and the taped step where it does not apply.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { selectBackend } from '../../../electron/engine/backend/select.js';
import { buildModel } from '../../../electron/engine/models/build.js';
import { getPreset } from '../../../electron/engine/models/presets.js';
import { fusedGraphCnnSteps, makeFusedGraphCnnStep } from '../../../electron/engine/train/fusedGraphCnn.js';
import { graphCnnPlan } from '../../../electron/engine/train/fusedGraphCnnPlan.js';
import { makeFastestStep } from '../../../electron/engine/train/fusedGraphMlp.js';
import { makeOptimizer } from '../../../electron/engine/train/optimizer.js';
import { makeTrainStep } from '../../../electron/engine/train/step.js';
import type { Optimizer } from '../../../shared/hyper.js';
import type { ModelSpec } from '../../../shared/spec.js';
import { nativeMissing, useNative } from '../backend/kernels/native/setup.js';
import { randomValues } from '../backend/kernels/reference.js';
import { convPools, denseHead, padNorm, resBlock, resBn, residualSep } from './fixtures/graphCnnModels.js';
import { addonCalls, expectFrozenFallsBack, expectSameAsTaped, expectSwitchesOff, RATES, trainSpecialPixels, type StepMaker } from './stepBits.js';

const IMAGE = [28, 28, 1];
const ADAM: Optimizer = { type: 'adam', beta1: 0.9, beta2: 0.999 };
const SIZES = [64, 48, 64, 37, 64, 32]; // an odd short batch in the middle, as at an epoch's end
const taped: StepMaker = (m, opt, shape) => makeTrainStep(m, opt, shape);
const fastest: StepMaker = (m, opt, shape) => makeFastestStep(m, opt, shape);

describe.skipIf(nativeMissing != null)(`fused graph CNN training step${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  beforeAll(useNative);
  afterAll(() => selectBackend('wasm', { native: true, threads: 2 }));

  it('takes residual-sep, in tfjs\'s order (a Concatenate\'s last branch first)', () => {
    const model = buildModel(residualSep, 3);
    const r = graphCnnPlan(model, IMAGE, 10);
    expect(r.reason).toBeNull();
    expect(r.plan!.nodes.map((n) => n.kind)).toEqual(['noise', 'conv', 'pad', 'spatialConv', 'conv', 'leaky', 'add', 'maxPool',
      'spatialConv', 'conv', 'spatialConv', 'prelu', 'spatialConv', 'concat', 'layerNorm', 'spatialDropout', 'conv', 'spatialConv',
      'spatialConv', 'conv', 'add', 'globalMax', 'dense']);
    model.dispose();
  });

  const cases: Array<[string, ModelSpec, Optimizer, number, number[]?]> = [
    ['residual-sep, Adam, 2 threads', residualSep, ADAM, 2],
    ['residual-sep, Adam, 1 thread', residualSep, ADAM, 1],
    ['residual-sep, Adam handed to applyGradients (WORKBENCH_FUSED_MLP_UPDATE=0)', residualSep, ADAM, 2],
    ['residual-sep, SGD with momentum', residualSep, { type: 'sgd', momentum: 0.9 }, 2],
    ['residual-sep, AdamW (its own applyGradients), 1 thread', residualSep, { type: 'adamw', beta1: 0.9, beta2: 0.999, weightDecay: 0.01 } as Optimizer, 1],
    ['res-block, Adam, batch 48, 2 threads', resBlock, ADAM, 2, [48, 48, 37, 48, 48, 48]],
    ['res-block, RMSProp, 1 thread', resBlock, { type: 'rmsprop', rho: 0.9, momentum: 0.5 }, 1],
    ['pad-norm, Adam, 2 threads', padNorm, ADAM, 2],
    ['pad-norm, Adam, 1 thread', padNorm, ADAM, 1],
    ['dense-head, Adam, 2 threads', denseHead, ADAM, 2],
    ['dense-head, SGD with momentum, 1 thread', denseHead, { type: 'sgd', momentum: 0.9 }, 1],
    ['res-bn, Adam, 2 threads', resBn, ADAM, 2],
    ['res-bn, RMSProp, 1 thread', resBn, { type: 'rmsprop', rho: 0.9, momentum: 0.5 }, 1],
    ['conv-pools, Adam, 2 threads', convPools, ADAM, 2],
    ['conv-pools with WORKBENCH_FUSED_POOL=0 (tfjs\'s MaxPool after every conv), Adam, 1 thread', convPools, ADAM, 1],
  ];

  it.each(cases)('%s: the same bits as the taped step (weights, optimizer state, losses, hits)', async (name, spec, o, threads, sizes = SIZES) => {
    if (name.includes('WORKBENCH_FUSED_POOL=0')) process.env.WORKBENCH_FUSED_POOL = '0';
    onTestFinished(() => void delete process.env.WORKBENCH_FUSED_POOL);
    await expectSameAsTaped(spec, o, sizes, threads, name.includes('WORKBENCH_FUSED_MLP_UPDATE=0'), fusedGraphCnnSteps, taped, fastest);
  }, 120_000);

  it.each([['residual-sep', residualSep], ['pad-norm', padNorm], ['dense-head', denseHead], ['res-bn', resBn]] as const)('%s: the same bits with −0, +Inf and NaN pixels (the loss going NaN)', async (_name, spec) => {
    const run = (make: StepMaker) => trainSpecialPixels(spec, make);
    const want = run(taped);
    const steps = fusedGraphCnnSteps();
    const got = run(fastest);
    expect(fusedGraphCnnSteps() - steps).toBe(3);
    expect(got.losses).toEqual(want.losses);
    got.weights.forEach((w, k) => expect(w, `weight ${k}`).toEqual(want.weights[k]));
  }, 120_000);

  it.each([['residual-sep', residualSep], ['res-block', resBlock], ['pad-norm', padNorm], ['dense-head', denseHead], ['res-bn', resBn],
    ['conv-pools', convPools]] as const)(
    '%s: the fused step makes exactly the taped step\'s addon calls, as many of each', async (_name, spec) => {
      const calls = (make: StepMaker) => addonCalls(spec, make, SIZES);
      const want = await calls(taped);
      const steps = fusedGraphCnnSteps();
      expect(await calls(fastest)).toEqual(want);
      expect(fusedGraphCnnSteps() - steps).toBe(RATES.length);
      expect(want.conv2d).toBeGreaterThan(0);
    }, 120_000);

  const path = { make: makeFusedGraphCnnStep, steps: fusedGraphCnnSteps };
  it('WORKBENCH_FUSED_GRAPH_CNN=0 (or a layer\'s own switch off) runs the taped step', () => {
    expectSwitchesOff(residualSep, path, fastest,
      ['WORKBENCH_FUSED_GRAPH_CNN', 'WORKBENCH_FUSED_GRAPH', 'WORKBENCH_FUSED_CONV', 'WORKBENCH_NATIVE_DILATED_DW', 'WORKBENCH_NATIVE_BIAS_RELU']);
  });

  it('a frozen layer: the taped step runs', () => {
    expectFrozenFallsBack(resBlock, 'SeparableConv2D', path, fastest);
  });

  it('declines what it does not implement: null, and training through makeFastestStep leaves the counter alone', () => {
    const conv = { type: 'Conv2D', name: 'a', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' };
    const side = { type: 'Conv2D', name: 'b', filters: 4, kernelSize: 3, padding: 'same' };
    const add = { type: 'Add', inputs: ['a', 'b'] };
    const head = [{ type: 'GlobalMaxPooling2D' }, { type: 'Dense', units: 10, activation: 'softmax' }];
    const m = (layers: object[]) => buildModel({ name: 'x', inputShape: IMAGE, layers } as unknown as ModelSpec, 1);
    expect(graphCnnPlan(m([conv, side, add, ...head]), IMAGE, 10).reason, 'covered').toBeNull();
    expect(graphCnnPlan(m([conv, side, add, { type: 'BatchNormalization' }, ...head]), IMAGE, 10).reason, 'batch norm').toBeNull();
    const declined: Array<[string, object[]]> = [
      ['tanh conv', [conv, { ...side, activation: 'tanh' }, add, ...head]],
      ['depthwise with a bias, linear', [conv, { type: 'DepthwiseConv2D', name: 'b', kernelSize: 3, padding: 'same' }, add, ...head]],
      ['a relu6 conv', [conv, { ...side, activation: 'relu6' }, add, ...head]],
      ['a tanh Dense', [conv, side, add, { type: 'Flatten' }, { type: 'Dense', units: 16, activation: 'tanh' }, { type: 'Dense', units: 10, activation: 'softmax' }]],
      ['average pooling', [conv, side, add, { type: 'AveragePooling2D', poolSize: 2 }, ...head]],
      ['Sequential CNN (the fused CNN step\'s)', [conv, { type: 'MaxPooling2D', poolSize: 2 }, ...head]],
    ];
    for (const [name, layers] of declined) {
      const model = m(layers);
      const opt = makeOptimizer(ADAM, 1e-3); // its state is per variable name: one per model
      expect(graphCnnPlan(model, IMAGE, 10).plan, name).toBeNull();
      expect(makeFusedGraphCnnStep(model, opt, IMAGE), name).toBeNull();
      const steps = fusedGraphCnnSteps();
      makeFastestStep(model, opt, IMAGE)(randomValues(8 * 784, 2), Int32Array.from({ length: 8 }, (_, i) => i % 10), 8);
      expect(fusedGraphCnnSteps(), name).toBe(steps);
      model.dispose();
      opt.dispose();
    }
    expect(graphCnnPlan(m([conv, side, add, ...head]), IMAGE, 12).plan, 'class count').toBeNull();
    expect(graphCnnPlan(buildModel(getPreset('seed-ann').model as ModelSpec, 1), IMAGE, 10).plan, 'an MLP').toBeNull();
    const graphMlp = m([{ type: 'Flatten', name: 'f' }, { type: 'Dense', name: 'a', units: 16 }, { type: 'Dense', name: 'b', units: 16, inputs: ['f'] },
      { type: 'Add', inputs: ['a', 'b'] }, { type: 'Dense', units: 10, activation: 'softmax' }]);
    expect(graphCnnPlan(graphMlp, IMAGE, 10).reason, 'a graph MLP on an image (the graph MLP step\'s)').toMatch(/graph MLP/);
  });
});
