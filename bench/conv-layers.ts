// Bench tool: time of each convolution call of the k5-gap model (forward, filter gradient, input gradient) and of its
// overlapping max pool, straight through the native addon on one buffer, batch 128; best of 3 runs of 20 calls.
// npx tsx bench/conv-layers.ts [threads, default 1]   (compare paths with their switches, e.g. WORKBENCH_CONV1_REGS=0)
import { addonBench, bestOf } from './addon-bench.js';
import { convGeometry } from '../electron/engine/backend/kernels/native/conv-geometry.js';
import { poolGeometry } from '../electron/engine/backend/kernels/native/pool-geometry.js';

const { a, heap, threads } = addonBench(process.argv[2], 1, 256 << 20);
/** Wall ms per call, best of 3 runs of 20. */
const time = (fn: () => void): number => bestOf(fn, 20, 3).wall;
const N = 128;
const layers: [string, number[], number[], number, string][] = [
  ['conv1 5x5 1->32 same 28x28', [N, 28, 28, 1], [5, 5, 1, 32], 1, 'same'],
  ['conv2 1x1 32->48 14x14', [N, 14, 14, 32], [1, 1, 32, 48], 1, 'same'],
  ['conv3 5x5/2 48->64 valid', [N, 14, 14, 48], [5, 5, 48, 64], 2, 'valid'],
  ['conv4 3x3 64->96 same 5x5', [N, 5, 5, 64], [3, 3, 64, 96], 1, 'same'],
  ['conv5 1x1 96->96 5x5', [N, 5, 5, 96], [1, 1, 96, 96], 1, 'same'],
];
// Inputs are only read and outputs only written (dx has its own region): values never drift between calls.
const X = 0, F = 4 * 20e6, Y = 4 * 21e6, DX = 4 * 40e6;
console.log(`${threads} thread(s), ms per call (GFLOP/s)`);
for (const [name, xs, fs, s, pad] of layers) {
  const g = convGeometry(xs, fs, [s, s], pad, 1, 'NHWC')!;
  const flops = 2 * g[0] * g[7] * g[8] * g[6] * g[4] * g[5] * g[3];
  const rate = (ms: number) => `${ms.toFixed(2)} (${(flops / ms / 1e6).toFixed(0)})`;
  const fw = time(() => a.conv2d(heap, Float64Array.of(X, F, -1, Y, 0, ...g)));
  const dw = time(() => a.conv2dFilterGrad(heap, Float64Array.of(X, Y, F, ...g)));
  const dx = xs[3] === 1 ? '—' : rate(time(() => a.conv2dInputGrad(heap, Float64Array.of(Y, F, DX, ...g))));
  console.log(`${name.padEnd(28)} forward ${rate(fw)}  filter grad ${rate(dw)}  input grad ${dx}`);
}
const pg = poolGeometry([N, 28, 28, 32], 3, 2, 'same')!;
console.log(`${'max pool 3x3/2 same 28x28x32'.padEnd(28)} forward ${time(() => a.maxPool(heap, Float64Array.of(X, Y, ...pg))).toFixed(2)}  gradient ${time(() => a.maxPoolGrad(heap, Float64Array.of(X, 4 * 4e6, Y, ...pg))).toFixed(2)}`);
const c = a.counts();
console.log(`paths: conv2dDirectRegs ${c.conv2dDirectRegs}, conv2dFilterGradDirect ${c.conv2dFilterGradDirect}, conv2dWinograd ${c.conv2dWinograd}, maxPoolGradRegs ${c.maxPoolGradRegs}`);
