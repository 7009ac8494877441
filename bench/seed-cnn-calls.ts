// Bench tool: time of each native call of the seed CNN's training step (conv1 3×3 1→32 valid relu on 28×28, pool 2,
// conv2 3×3 32→64 valid relu, pool 2, Dense 1600→128 relu, Dense 128→10) at batch 128, inputs read and outputs written
// in separate buffers (no call writes what another reads), best of 3 runs of `reps` calls; GFLOP/s or GB/s beside each.
// npx tsx bench/seed-cnn-calls.ts [threads, default 2] [reps, default 20]   (compare paths with their off switches)
import { addonBench, bestOf } from './addon-bench.js';
import { convGeometry } from '../electron/engine/backend/kernels/native/conv-geometry.js';
import { poolGeometry } from '../electron/engine/backend/kernels/native/pool-geometry.js';

const reps = Number(process.argv[3] ?? 20);
if (!(reps >= 1)) throw new Error(`usage: seed-cnn-calls.ts [threads ≥ 1] [reps ≥ 1], got ${process.argv.slice(2).join(' ')}`);
const { a, heap, threads } = addonBench(process.argv[2], 2, 256 << 20, (i) => ((i * 7919) % 97 - 48) / 97);
let next = 0;
/** A fresh region of n floats (byte offset), 64-byte aligned. */
const alloc = (n: number): number => { const o = next; next += Math.ceil((n * 4) / 64) * 64; return o; };
/** Wall ms per call, best of 3 runs of `reps`. */
const time = (fn: () => void): number => bestOf(fn, reps, 3).wall;
const N = 128;
const rows: [string, number, string][] = [];
const gflops = (flops: number) => (ms: number) => `${(flops / ms / 1e6).toFixed(0)} GFLOP/s`;
const gbs = (bytes: number) => (ms: number) => `${(bytes / ms / 1e6).toFixed(1)} GB/s`;
function run(name: string, fn: () => void, rate: (ms: number) => string): void {
  const ms = time(fn);
  rows.push([name, ms, rate(ms)]);
}
for (const [name, hw, c, co] of [['conv1', 28, 1, 32], ['conv2', 13, 32, 64]] as const) {
  const g = convGeometry([N, hw, hw, c], [3, 3, c, co], [1, 1], 'valid', 1, 'NHWC')!;
  const oh = g[7], ow = g[8];
  const X = alloc(N * hw * hw * c), F = alloc(9 * c * co), B = alloc(co), Y = alloc(N * oh * ow * co);
  const DY = alloc(N * oh * ow * co), DF = alloc(9 * c * co), DX = alloc(N * hw * hw * c);
  const flops = 2 * N * oh * ow * co * 9 * c;
  run(`${name} forward +bias relu`, () => a.conv2d(heap, Float64Array.of(X, F, B, Y, 1, ...g)), gflops(flops));
  run(`${name} filter grad`, () => a.conv2dFilterGrad(heap, Float64Array.of(X, DY, DF, ...g)), gflops(flops));
  if (c > 1) run(`${name} input grad`, () => a.conv2dInputGrad(heap, Float64Array.of(DY, F, DX, ...g)), gflops(flops));
  const pg = poolGeometry([N, oh, ow, co], 2, 2, 'valid')!;
  const P = alloc(N * pg[6] * pg[7] * co), DP = alloc(N * pg[6] * pg[7] * co), DZ = alloc(N * oh * ow * co), DB = alloc(co);
  const inBytes = 4 * N * oh * ow * co, outBytes = 4 * N * pg[6] * pg[7] * co;
  run(`${name} relu max pool`, () => a.maxPool(heap, Float64Array.of(Y, P, ...pg)), gbs(inBytes + outBytes));
  run(`${name} pool+relu+bias grad`, () => a.maxPoolReluGrad(heap, Float64Array.of(Y, DP, DZ, DB, ...pg)), gbs(2 * inBytes + outBytes));
}
// Dense layers: forward (bias + act), dX = dY·Wᵀ, dW = Xᵀ·dY.
for (const [name, K, M, act] of [['dense1 1600→128', 1600, 128, 1], ['dense2 128→10', 128, 10, 0]] as const) {
  const X = alloc(N * K), W = alloc(K * M), B = alloc(M), Y = alloc(N * M), DY = alloc(N * M), DX = alloc(N * K), DW = alloc(K * M);
  const flops = 2 * N * K * M;
  run(`${name} forward`, () => a.matmul(heap, Float64Array.of(X, W, Y, B, act, 1, 1, 1, N, M, K, 0, 0)), gflops(flops));
  run(`${name} dX`, () => a.matmul(heap, Float64Array.of(DY, W, DX, -1, 0, 1, 1, 1, N, K, M, 0, 1)), gflops(flops));
  run(`${name} dW`, () => a.matmul(heap, Float64Array.of(X, DY, DW, -1, 0, 1, 1, 1, K, M, N, 1, 0)), gflops(flops));
}
let total = 0;
console.log(`${threads} thread(s), batch ${N}, ms per call (best of 3 × ${reps})`);
for (const [name, ms, rate] of rows) {
  total += ms;
  console.log(`${name.padEnd(28)} ${ms.toFixed(3).padStart(7)}  ${rate}`);
}
console.log(`${'sum'.padEnd(28)} ${total.toFixed(3).padStart(7)}`);
const c = a.counts();
console.log(`paths: ${['conv2dDirectRegs3', 'conv2dFilterGradDirect', 'conv2dFilterGradDirectNarrow', 'conv2dWinograd', 'conv2dInputGradWinograd', 'conv2dFilterGradWinograd', 'maxPoolGradRegs', 'conv2dImplicit', 'conv2dDirect']
  .map((k) => `${k} ${c[k as keyof typeof c]}`).join(', ')}`);
