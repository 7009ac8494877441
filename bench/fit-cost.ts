// Bench tool: refits the training rates of shared/model/cost.ts to bench/CALIBRATION.md (npx tsx bench/fit-cost.ts).
// A seeded local search on log-rates minimising the relative error (RMS, or the worst) of the estimated training samples/s; Dense is
// held at or under the measured SGEMM peak (--peak). Prints the rates to paste into WASM_NATIVE_RATES and each model's error.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BENCH_SET } from './model-set.js';
import { estimateEpochCost, WASM_NATIVE_RATES, type CostRates } from '../shared/model/cost.js';

const { values } = parseArgs({ options: {
  peak: { type: 'string', default: '207' }, iterations: { type: 'string', default: '20000' }, objective: { type: 'string', default: 'rms' },
} });
const peak = Number(values.peak);

/** Training samples/s per model from the calibration table (the rows whose first cell names a bench model). */
function calibrationRows(): Map<string, number> {
  const rows = new Map<string, number>();
  for (const line of readFileSync(new URL('CALIBRATION.md', import.meta.url), 'utf8').split('\n')) {
    const c = line.split('|').map((x) => x.trim());
    if (c.length > 4 && BENCH_SET.some((e) => e.name === c[1])) rows.set(c[1], Number(c[2].replace(/,/g, '')));
  }
  return rows;
}

const FITTED = ['denseGflops', 'convGflops', 'bnSecondsPerElement', 'cnnLayerSecondsPerBatch', 'mlpLayerSecondsPerBatch',
  'elementwiseSecondsPerElement', 'activationSecondsPerElement'] as const;
const rows = calibrationRows();

function errors(rates: CostRates): Array<[string, number]> {
  return [...rows].map(([name, measured]) => {
    const spec = BENCH_SET.find((e) => e.name === name)!.spec;
    const est = estimateEpochCost({ spec, backend: 'wasm', trainSamples: 50_000, validationSamples: 10_000, batchSize: 128, rates }).samplesPerSecond;
    return [name, est / measured - 1];
  });
}
/** The root-mean-square relative error (default), or the worst one (--objective max). */
const worst = (rates: CostRates) => (values.objective === 'max'
  ? Math.max(...errors(rates).map(([, e]) => Math.abs(e)))
  : Math.sqrt(errors(rates).reduce((a, [, e]) => a + e * e, 0) / rows.size));

/**
 * A fused CNN step's time outside the native calls, per layer with weights and batch: ~0.8 ms a batch for the seed CNN's
 * four (docs/FUSED_CNN_TRAIN.md), so 0.2 ms; the floor is half that.
 */
const CNN_LAYER_FLOOR = 1e-4;
let best: CostRates = { ...WASM_NATIVE_RATES };
for (const k of FITTED) if (!(best[k] > 0)) best = { ...best, [k]: 1e-9 };
best = { ...best, cnnLayerSecondsPerBatch: Math.max(best.cnnLayerSecondsPerBatch, CNN_LAYER_FLOOR) };
let bestScore = worst(best);
let state = 1;
const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296);
const n = Number(values.iterations);
for (let i = 0; i < n; i++) {
  const k = FITTED[Math.floor(random() * FITTED.length)];
  const step = 0.3 * (1 - i / n) + 0.01;
  const moved = { ...best, [k]: best[k] * Math.exp((random() * 2 - 1) * step) };
  // Per-batch costs stay real: without a floor the fit moves them into the per-sample rates (then the estimate ignores
  // the batch size).
  const candidate: CostRates = { ...moved, denseGflops: Math.min(moved.denseGflops, peak), cnnLayerSecondsPerBatch: Math.max(moved.cnnLayerSecondsPerBatch, CNN_LAYER_FLOOR) };
  const score = worst(candidate);
  if (score < bestScore) {
    best = candidate;
    bestScore = score;
  }
}
console.log(`${values.objective === 'max' ? 'worst' : 'root-mean-square'} relative error ${(100 * bestScore).toFixed(1)} % over ${rows.size} models`);
for (const k of FITTED) console.log(`  ${k}: ${best[k].toPrecision(3)},`);
console.log(errors(best).map(([name, e]) => `${name} ${e >= 0 ? '+' : ''}${(100 * e).toFixed(1)} %`).join(', '));
