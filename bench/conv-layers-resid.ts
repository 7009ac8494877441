// Bench tool: time of each convolution call of the residual-sep model (forward, filter gradient, input gradient)
// straight through the native addon on one buffer, batch 128; process CPU ms per call, best of 5 runs of 20 calls.
// npx tsx bench/conv-layers-resid.ts [threads, default 1]   (compare paths with their switches)
import { addonBench, bestOf } from './addon-bench.js';
import { convGeometry } from '../electron/engine/backend/kernels/native/conv-geometry.js';

const { a, heap, threads } = addonBench(process.argv[2], 1, 300 << 20);
/** CPU ms per call, best of 5 runs of 20. */
const time = (fn: () => void): number => bestOf(fn).cpu;
const N = 128;
// [name, x shape, filter shape, stride, padding, useful taps (a dilated kernel's holes are not counted), dilation]
const layers: [string, number[], number[], number, string, number, number?][] = [
  ['stem 3x3 1->16 same 28x28', [N, 28, 28, 1], [3, 3, 1, 16], 1, 'same', 9],
  ['1x1 16->16 28x28', [N, 28, 28, 16], [1, 1, 16, 16], 1, 'same', 1],
  ['1x1 16->32 14x14 (x3)', [N, 14, 14, 16], [1, 1, 16, 32], 1, 'same', 1],
  ['3x3 dil2 16->16 as 5x5 14x14', [N, 14, 14, 16], [5, 5, 16, 16], 1, 'same', 9],
  ['3x3 dil2 16->16 dilated 14x14', [N, 14, 14, 16], [5, 5, 16, 16], 1, 'same', 9, 2],
  ['1x1 112->48 14x14', [N, 14, 14, 112], [1, 1, 112, 48], 1, 'same', 1],
  ['1x1 48->64 6x6', [N, 6, 6, 48], [1, 1, 48, 64], 1, 'same', 1],
  ['1x1 64->64 6x6', [N, 6, 6, 64], [1, 1, 64, 64], 1, 'same', 1],
];
// Inputs (x, filter, dy) are only read and outputs only written: fixed values, no drift into denormals between calls.
const X = 0, F = 4 * 14e6, DY = 4 * 15e6, Y = 4 * 29e6, DX = 4 * 43e6, DF = 4 * 57e6;
console.log(`${threads} thread(s), CPU ms per call (useful GFLOP/s of CPU time)`);
for (const [name, xs, fs, s, pad, taps, d] of layers) {
  let g = convGeometry(xs, fs, [s, s], pad, 1, 'NHWC')!;
  // A dilated call: the dense window's geometry with the kernel's own taps, then the dilations (conv_dilated.c).
  if (d) g = [...g.slice(0, 4), (fs[0] - 1) / d + 1, (fs[1] - 1) / d + 1, ...g.slice(6)];
  const dil = d ? [d, d] : [];
  const flops = 2 * g[0] * g[7] * g[8] * g[6] * taps * g[3];
  const rate = (ms: number) => `${ms.toFixed(2)} (${(flops / ms / 1e6).toFixed(0)})`;
  const fw = time(() => a.conv2d(heap, Float64Array.of(X, F, -1, Y, 0, ...g, ...dil)));
  const dw = time(() => a.conv2dFilterGrad(heap, Float64Array.of(X, DY, DF, ...g, ...dil)));
  const dx = xs[3] === 1 ? '—' : rate(time(() => a.conv2dInputGrad(heap, Float64Array.of(DY, F, DX, ...g, ...dil))));
  console.log(`${name.padEnd(30)} forward ${rate(fw)}  filter grad ${rate(dw)}  input grad ${dx}`);
}
