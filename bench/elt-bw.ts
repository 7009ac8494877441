// Bench tool: residual-sep's memory-bound kernels (broadcast multiply, concat/split/slice copies, padding, add, leaky
// relu and its gradient, the relu-mask bias gradient, max pooling's gradient) straight through the native addon at the
// step's shapes (batch 128), against a plain contiguous copy of the same bytes (copyRows of one row). Wall and process
// CPU ms per call, best of 7 runs of 10 calls; GB/s = bytes read + written / wall.
// npx tsx bench/elt-bw.ts [threads, default 1]   (compare paths with WORKBENCH_ELT_BW=0)
import { addonBench, bestOf } from './addon-bench.js';

const MB = 1 << 20;
const { a, heap, threads } = addonBench(process.argv[2], 1, 200 * MB);
// Byte offsets: inputs at A, B, C (up to 40 MB each), outputs at O.
const A = 0, B = 40 * MB, C = 80 * MB, O = 120 * MB;

/** Wall and CPU ms per call, best of 7 runs of 10. */
const time = (fn: () => void): { wall: number; cpu: number } => bestOf(fn, 10, 7);
// Rows of 1024 floats, so that the copy splits over the threads as the kernels do.
const copy = (bytes: number) => () => a.copyRows(heap, Float64Array.of(1, A, O, Math.ceil(bytes / 4096), 1024, 1024, 1024));

const N = 128;
const row = (name: string, bytesIn: number, bytesOut: number, fn: () => void) => {
  const k = time(fn);
  // The reference: a copy of max(in, out) bytes (read + write of that many).
  const refBytes = Math.max(bytesIn, bytesOut);
  const m = time(copy(refBytes));
  const gbs = (bytesIn + bytesOut) / k.wall / 1e6;
  const mgbs = (2 * refBytes) / m.wall / 1e6;
  console.log(`${name.padEnd(44)} wall ${k.wall.toFixed(3)} cpu ${k.cpu.toFixed(3)} ms ${gbs.toFixed(0).padStart(4)} GB/s | memcpy ${(refBytes / MB).toFixed(1)} MB wall ${m.wall.toFixed(3)} cpu ${m.cpu.toFixed(3)} ${mgbs.toFixed(0)} GB/s`);
};

console.log(`${threads} thread(s)`);
// Multiply [N,14,14,112] by [N,1,1,112] (SpatialDropout2D's mask).
{
  const n = N * 14 * 14 * 112;
  row('Multiply [N,14,14,112]x[N,1,1,112]', 4 * n, 4 * n, () => a.broadcast(heap, Float64Array.of(2, A, B, -1, O, 3, N, 196, 112, 196 * 112, 112, 1, 112, 0, 1)));
}
// Concat [N,14,14,{32,32,32,16}] -> 112, and SplitV back.
{
  const rows = N * 196, widths = [32, 32, 32, 16];
  const cat: number[] = [4], split: number[] = [4];
  let col = 0;
  widths.forEach((w, i) => {
    cat.push(A + i * (4 * rows * 32 + 1088), O + 4 * col, rows, w, 112, w); // inputs not 4 KB apart (no aliasing)
    split.push(A + 4 * col, O + i * (4 * rows * 32 + 1088), rows, 112, w, w);
    col += w;
  });
  row('Concat ->[N,14,14,112]', 4 * rows * 112, 4 * rows * 112, () => a.copyRows(heap, Float64Array.from(cat)));
  row('SplitV [N,14,14,112]', 4 * rows * 112, 4 * rows * 112, () => a.copyRows(heap, Float64Array.from(split)));
}
// Slice [N,30,30,16] -> [N,28,28,16] interior (as Slice.ts's plan: N copies of 28 rows of 448).
{
  const spec: number[] = [N];
  for (let c = 0; c < N; c++) spec.push(A + 4 * (c * 900 * 16 + 31 * 16), O + 4 * c * 784 * 16, 28, 480, 448, 448);
  row('Slice [N,30,30,16]->28x28', 4 * N * 784 * 16, 4 * N * 784 * 16, () => a.copyRows(heap, Float64Array.from(spec)));
}
// PadV2 [N,28,28,16] -> [N,30,30,16].
{
  row('PadV2 [N,28,28,16]->30x30', 4 * N * 784 * 16, 4 * N * 900 * 16,
    () => a.pad(heap, Float64Array.of(A, O, 4, 0, N, 0, 0, 28, 1, 1, 28, 1, 1, 16, 0, 0)));
}
const n28 = N * 784 * 16;
row('Add [N,28,28,16]', 8 * n28, 4 * n28, () => a.eltwise(heap, Float64Array.of(0, A, B, O, n28, 1, 0)));
row('LeakyRelu [N,28,28,16]', 4 * n28, 4 * n28, () => a.broadcast(heap, Float64Array.of(11, A, -1, -1, O, 1, n28, 1, 0, 0.1)));
row('LeakyReluGrad [N,28,28,16]', 8 * n28, 4 * n28, () => a.reluGrad(heap, Float64Array.of(0, A, B, -1, O, -1, n28, 1, 0.1)));
row('BiasActGrad relu-mask+bias [N,28,28,16]', 8 * n28, 4 * n28, () => a.biasActGrad(heap, Float64Array.of(8, -1, A, B, O, C, N * 784, 16)));
{
  const n14 = N * 196 * 16;
  row('MaxPoolGrad [N,14,14,16]->[N,28,28,16]', 4 * (n28 + n14), 4 * n28,
    () => a.maxPoolGrad(heap, Float64Array.of(A, B, O, N, 28, 28, 16, 2, 2, 14, 14, 2, 2, 0, 0)));
}
