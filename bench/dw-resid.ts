// Bench tool: residual-sep's depthwise convolution calls (forward, input gradient, filter gradient) straight through
// the native addon, batch 128; process CPU ms per call, best of 5 runs of 20 calls.
// npx tsx bench/dw-resid.ts [threads, default 1]   (WORKBENCH_DW_VEC=0: the row loops)
import { addonBench, bestOf } from './addon-bench.js';
import { depthwiseGeometry } from '../electron/engine/backend/kernels/native/Depthwise.js';

const { a, heap, threads } = addonBench(process.argv[2], 1, 64 << 20);
/** CPU ms per call, best of 5 runs of 20. */
const time = (fn: () => void): number => bestOf(fn).cpu;
const N = Number(process.env.DW_BATCH ?? 128);
const layers: [string, number[], number, number, 'valid' | 'same'][] = [
  ['30x30x16 valid', [N, 30, 30, 16], 1, 1, 'valid'],
  ['14x14x16 dil2 same', [N, 14, 14, 16], 1, 2, 'same'],
  ['14x14x48 stride2 valid', [N, 14, 14, 48], 2, 1, 'valid'],
  ['6x6x64 dil2 same', [N, 6, 6, 64], 1, 2, 'same'],
];
const X = 0, F = 4 * 4e6, DY = 4 * 4.1e6, Y = 4 * 8e6, DX = 4 * 12e6, DF = 4 * 16e6;
console.log(`${threads} thread(s), CPU ms per call, WORKBENCH_DW_VEC=${process.env.WORKBENCH_DW_VEC ?? '(on)'}`);
for (const [name, xs, s, d, pad] of layers) {
  const g = depthwiseGeometry(xs, [3, 3, xs[3], 1], { strides: s, pad, dilations: d })!;
  const fw = time(() => a.depthwise(heap, Float64Array.of(X, F, Y, ...g)));
  const dx = time(() => a.depthwiseInputGrad(heap, Float64Array.of(DY, F, DX, ...g)));
  const dw = time(() => a.depthwiseFilterGrad(heap, Float64Array.of(X, DY, DF, ...g)));
  console.log(`${name.padEnd(24)} forward ${fw.toFixed(3)}  input grad ${dx.toFixed(3)}  filter grad ${dw.toFixed(3)}`);
}
