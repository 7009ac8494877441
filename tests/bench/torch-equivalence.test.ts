// PyTorch's side of the bench computes the same function as the engine's model, for every model of the bench set.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { equivalenceCase } from '../../bench/equivalence.js';
import { BENCH_NAMES, BENCH_SET } from '../../bench/model-set.js';
import { findTorchPython, TorchBench } from '../../bench/torch.js';
import { requireInCi } from '../helpers/ciRequire.js';

const found = findTorchPython();
const python = 'python' in found ? found.python : null;

describe('bench: PyTorch translation of the model set', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  // .ci/run installs Debian's python3-torch (with OpenBLAS), so in CI the peer is always checked.
  it.skipIf(!requireInCi(python !== null, 'a Python that imports torch (apt-get install python3-torch libopenblas0-pthread)'))(`matches tfjs's eval-mode outputs with the same weights${python ? '' : ` (skipped: ${'reason' in found ? found.reason : ''})`}`, () => {
    const cases = BENCH_NAMES.map((name) => equivalenceCase(name));
    const script = fileURLToPath(new URL('../../bench/torch_equiv.py', import.meta.url));
    const r = spawnSync(python!, [script], { input: JSON.stringify(cases), encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' }, timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const diffs = JSON.parse(r.stdout) as Record<string, number>;
    expect(Object.keys(diffs).sort()).toEqual([...BENCH_NAMES].sort());
    for (const [name, diff] of Object.entries(diffs)) expect(diff, name).toBeLessThan(1e-5);
  });

  it.skipIf(!requireInCi(python !== null, 'a Python that imports torch'))('trains and infers every model of the set through the bench protocol', async () => {
    const bench = await TorchBench.start(python!, 1, { OMP_NUM_THREADS: '1' });
    try {
      for (const { name, spec } of BENCH_SET) {
        const r = await bench.measure({
          model: name, spec, batch: 8, warmup: 1, batches: 2, seconds: 0.1, minBatches: 1, inferCount: 16, inferRepeats: 1, inferSeconds: 0.1,
        });
        expect(r.trainBatches, name).toBe(2);
        expect(r.train, name).toBeGreaterThan(0);
        expect(r.infer, name).toBeGreaterThan(0);
      }
    } finally {
      bench.stop();
    }
  }, 120_000);

  it.skipIf(!requireInCi(python !== null, 'a Python that imports torch'))('adds Gaussian noise and drops whole channels in training only, and refuses a shape the spec does not give', () => {
    const script = `
import json, sys, torch
sys.path.insert(0, 'bench')
from torch_bench import GaussianNoise, SpecError, build
torch.manual_seed(0)
x = torch.zeros(64, 8, 6, 6)
noise = GaussianNoise(0.5)
std = float(noise.train()(x).std())
same = bool(torch.equal(noise.eval()(x), x))
drop, _ = build({'inputShape': [28, 28, 1], 'layers': [{'type': 'SpatialDropout2D', 'rate': 0.5}, {'type': 'Flatten'}, {'type': 'Dense', 'units': 10, 'activation': 'softmax', 'useBias': True}]})
y = drop[0].train()(torch.ones(64, 1, 28, 28))
# Each sample's only channel is either all zero or all 2 (kept, scaled by 1/(1-rate)).
whole = bool(((y == 0).flatten(1).all(1) | (y == 2).flatten(1).all(1)).all()) and 0 < int((y == 0).flatten(1).all(1).sum()) < 64
try:
    build({'inputShape': [28, 28, 1], 'layers': [{'type': 'Conv2D', 'name': 'a', 'filters': 4, 'kernelSize': 3, 'strides': 1, 'padding': 'same', 'activation': 'linear', 'useBias': True},
                                                 {'type': 'Conv2D', 'name': 'b', 'filters': 4, 'kernelSize': 3, 'strides': 1, 'padding': 'valid', 'activation': 'linear', 'useBias': True},
                                                 {'type': 'Add', 'inputs': ['a', 'b']}]})
    refused = ''
except SpecError as e:
    refused = str(e)
print(json.dumps({'std': std, 'same': same, 'whole': whole, 'refused': refused}))
`;
    const r = spawnSync(python!, ['-c', script], { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { std: number; same: boolean; whole: boolean; refused: string };
    expect(out.std).toBeGreaterThan(0.45);
    expect(out.std).toBeLessThan(0.55);
    expect(out.same).toBe(true);
    expect(out.whole).toBe(true);
    expect(out.refused).toMatch(/layer 3 \(Add\): Add needs inputs of one shape/);
  });
});
