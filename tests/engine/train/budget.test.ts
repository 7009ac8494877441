import { describe, it, expect } from 'vitest';
import { estimateTrainingMemory, bytesText } from '../../../shared/model/memory.js';
import { checkBudget, assertFits, isBackendAbort, likelyBackend, machineMemory, WASM_HEAP_MAX } from '../../../electron/engine/train/budget.js';
import { TrainingError } from '../../../electron/engine/train/errors.js';
import { PRESETS } from '../../../electron/engine/models/presets.js';
import { hugeModel } from './fixtures/models.js';
import { BACKEND_NAMES, TrainRequestSchema, type TrainRequest } from '../../../shared/run.js';

const GiB = 2 ** 30;
/** A modest laptop: 8 GiB, half of it free. */
const laptop = { total: 8 * GiB, free: 4 * GiB };

const requestFor = (model: unknown, hyper: Record<string, unknown> = {}, backend = 'wasm'): TrainRequest =>
  TrainRequestSchema.parse({ model, hyper: { learningRate: 1e-3, batchSize: 128, epochs: 1, ...hyper }, backend });

describe('estimateTrainingMemory', () => {
  it('matches a hand-computed case part by part (784 → Dense 32 relu → Dense 10 softmax, Adam, batch 64)', () => {
    const e = estimateTrainingMemory({
      model: { name: 'hand', inputShape: [784], layers: [{ type: 'Dense', units: 32, activation: 'relu' }, { type: 'Dense', units: 10, activation: 'softmax' }] },
      batchSize: 64, optimizer: { type: 'adam', beta1: 0.9, beta2: 0.999 },
    });
    // P = T = 784·32 + 32 + 32·10 + 10 = 25,450; the largest weight is the 784×32 kernel.
    expect(e.params).toBe(25_450);
    expect(e.largestWeight).toBe(25_088);
    expect(e.tensors.weights).toBe(101_800); // 4 B · P
    expect(e.tensors.gradients).toBe(101_800);
    expect(e.tensors.optimizerState).toBe(203_600); // m and v
    expect(e.tensors.optimizerUpdate).toBe(1_119_800); // 11 temporaries per weight in Adam's one tidy
    expect(e.tensors.bestWeights).toBe(0);
    // Training: (784 input + 60 loss + 3·32 + 3·10) = 970 floats a sample, ×2 for backward, ×64 = 124,160 floats.
    // Evaluation: (784 + 96 + 30) = 910 floats a sample × 1000 = 910,000 floats: the larger, 3,640,000 B.
    expect(e.tensors.activations).toBe(3_640_000);
    expect(e.tensorBytes).toBe(5_167_000);
    // 70,000 images of 785 B with two Int32 index arrays; batch buffers (64 + 1000)·784 floats and 10,000×10 probabilities; two weight copies to save.
    expect(e.host).toEqual({ data: 55_510_000, buffers: 3_736_704, modelSave: 203_600 });
    expect(e.totalBytes).toBe(5_167_000 + 59_450_304);
    expect(e.dominant).toBe('activations');
  });

  it('counts the 60×Dense(4096) model at about 1e9 parameters, dominated by them', () => {
    const e = estimateTrainingMemory({ model: hugeModel, batchSize: 128, optimizer: { type: 'adam', beta1: 0.9, beta2: 0.999 } });
    // 784·4096 + 4096 + 59·(4096² + 4096) + 4096·10 + 10
    expect(e.params).toBe(993_353_738);
    expect(e.dominant).toBe('parameters');
    expect(e.tensors.weights + e.tensors.gradients + e.tensors.optimizerState).toBe(16 * 993_353_738);
  });

  it('grows activations with the batch size and keeps a second weight copy for restoreBestWeights', () => {
    const base = { model: PRESETS[1].model, optimizer: PRESETS[1].hyper.optimizer };
    const small = estimateTrainingMemory({ ...base, batchSize: 128 });
    const big = estimateTrainingMemory({ ...base, batchSize: 4096 });
    expect(big.tensors.activations).toBeGreaterThan(small.tensors.activations * 4);
    expect(estimateTrainingMemory({ ...base, batchSize: 128, keepsBestWeights: true }).tensors.bestWeights).toBe(small.tensors.weights);
  });

  it('throws the SpecError of an invalid spec', () => {
    expect(() => estimateTrainingMemory({ model: { name: 'x', inputShape: [784], layers: [] }, batchSize: 1, optimizer: { type: 'sgd', momentum: 0 } }))
      .toThrow(/model spec "x" is invalid/);
  });

  it('writes sizes in 1024-based units', () => {
    expect(bytesText(512)).toBe('512 B');
    expect(bytesText(1.5 * 2 ** 20)).toBe('1.50 MiB');
    expect(bytesText(15.6 * GiB)).toBe('15.6 GiB');
    expect(bytesText(1023.9 * GiB)).toBe('1024 GiB');
    expect(bytesText(312 * 2 ** 20)).toBe('312 MiB');
  });
});

describe('checkBudget', () => {
  for (const preset of PRESETS) {
    for (const backend of ['wasm', 'cpu'] as const) {
      it(`accepts preset ${preset.id} at its batch size ${preset.hyper.batchSize} on ${backend}, on a laptop and on this machine`, () => {
        const request = requestFor(preset.model, preset.hyper, backend);
        const verdict = checkBudget(request, backend, laptop);
        expect(verdict.ok, verdict.message).toBe(true);
        // strong-cnn's 32/64-filter blocks keep ~1.5 GiB of activations and gradients at batch 128 (the run's RSS: 1.25 GiB).
        expect(verdict.needed).toBeLessThan(2 * GiB);
        expect(() => assertFits(request, backend, machineMemory())).not.toThrow();
      });
    }
  }

  it('accepts a large but normal researcher model (784 → 2048 → 2048 → 10, batch 512)', () => {
    const model = { name: 'wide', inputShape: [784], layers: [{ type: 'Dense', units: 2048, activation: 'relu' }, { type: 'Dense', units: 2048, activation: 'relu' }, { type: 'Dense', units: 10, activation: 'softmax' }] };
    expect(checkBudget(requestFor(model, { batchSize: 512 }), 'wasm', laptop).ok).toBe(true);
  });

  it('refuses the 60×Dense(4096) model on wasm naming the size, the 4 GiB limit and the parameters', () => {
    const verdict = checkBudget(requestFor(hugeModel), 'wasm', { total: 64 * GiB, free: 60 * GiB });
    expect(verdict.ok).toBe(false);
    expect(verdict.limit).toBeLessThanOrEqual(WASM_HEAP_MAX);
    expect(verdict.message).toMatch(/^model "huge" needs ~\d+(\.\d+)? GiB to train at batch size 128 on the wasm backend/);
    expect(verdict.message).toContain('993,353,738 parameters: weights, gradients, Adam state');
    expect(verdict.message).toContain('the wasm backend can address at most 4 GiB');
    expect(verdict.message).toContain('reduce layer sizes');
  });

  it('refuses it on the cpu backend against the machine, naming free and total memory', () => {
    const verdict = checkBudget(requestFor(hugeModel, {}, 'cpu'), 'cpu', { total: 16 * GiB, free: 12 * GiB });
    expect(verdict.ok).toBe(false);
    expect(verdict.message).toMatch(/this machine can give a run about 10\.8 GiB \(12\.0 GiB free of 16\.0 GiB\)/);
  });

  it('blames the activations, and advises a smaller batch, when they dominate', () => {
    const model = { name: 'wide-conv', inputShape: [28, 28, 1], layers: [{ type: 'Conv2D', filters: 256, kernelSize: 3, padding: 'same', activation: 'relu' }, { type: 'GlobalAveragePooling2D' }, { type: 'Dense', units: 10, activation: 'softmax' }] };
    const verdict = checkBudget(requestFor(model, { batchSize: 8192 }), 'wasm', laptop);
    expect(verdict.ok).toBe(false);
    expect(verdict.message).toMatch(/activations of a batch of 8192, forward and backward/);
    expect(verdict.message).toContain('lower the batch size');
  });

  it('throws a TrainingError from assertFits', () => {
    expect(() => assertFits(requestFor(hugeModel), 'wasm', laptop)).toThrow(TrainingError);
  });
});

describe('likelyBackend and isBackendAbort', () => {
  it('keeps an explicit backend and resolves auto to an installed one', () => {
    expect(likelyBackend('cpu')).toBe('cpu');
    expect(BACKEND_NAMES).toContain(likelyBackend('auto'));
  });

  it('recognises wasm aborts and traps, not ordinary failures', () => {
    expect(isBackendAbort('Aborted(). Build with -sASSERTIONS for more info.')).toBe(true);
    expect(isBackendAbort('RuntimeError: table index is out of bounds')).toBe(true);
    expect(isBackendAbort('table index is out of bounds')).toBe(true);
    expect(isBackendAbort('training diverged: loss became NaN at epoch 1, batch 3')).toBe(false);
    expect(isBackendAbort(undefined)).toBe(false);
  });
});
