// PyTorch's side of the bench computes the same function as the engine's model, for every model of the bench set.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { equivalenceCase } from '../../bench/equivalence.js';
import { BENCH_NAMES } from '../../bench/model-set.js';
import { findTorchPython } from '../../bench/torch.js';
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
});
