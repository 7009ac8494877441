// Bench tool: the seed CNN's 1600->128 Dense layer GEMMs (forward + bias, dx = dy.W^T, dW = x^T.dy) straight through
// the native addon, batch 128; process CPU ms and wall ms per call, best of 15 runs of 20 calls.
// npx tsx bench/cnn-dense-gemm.ts [threads, default 2] [cold]   (compare paths with their switches). cold: a 64 MB
// buffer is written before each call (as the step's convolutions sweep the caches between these calls) and only the
// call is timed (wall ms, best of 5 runs' means).
import { addonBench, bestOf } from './addon-bench.js';

const { a, heap, threads } = addonBench(process.argv[2], 2, 32 << 20);
const cold = process.argv[3] === 'cold';
// The switch compared (on, then =0), in alternating runs in this one process (the C code reads it per call).
const sw = process.argv[4] ?? 'WORKBENCH_GEMM_PACK_ROWS';
const sweep = new Float32Array(16 << 20);
function timeCold(fn: () => void, reps = 20): [number, number] {
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    let sum = 0;
    for (let i = 0; i < reps; i++) {
      sweep.fill(i + r);
      const t0 = performance.now();
      fn();
      sum += performance.now() - t0;
    }
    best = Math.min(best, sum / reps);
  }
  return [NaN, best];
}
function time(fn: () => void, reps = 20): [number, number] {
  if (cold) return timeCold(fn, reps);
  const t = bestOf(fn, reps, 15);
  return [t.cpu, t.wall];
}
const X = 0, W = 4 * 1e6, BIAS = 4 * 2e6, DY = 4 * 2.1e6, OUT = 4 * 3e6;
// [name, a, b, bias, m, n, k, transA, transB]
const calls: [string, number, number, number, number, number, number, number, number][] = [
  ['forward x.W + bias [128x1600].[1600x128]', X, W, BIAS, 128, 128, 1600, 0, 0],
  ['dx = dy.W^T [128x128].[1600x128]^T', DY, W, -1, 128, 1600, 128, 0, 1],
  ['dW = x^T.dy [128x1600]^T.[128x128]', X, DY, -1, 1600, 128, 128, 1, 0],
];
console.log(`${threads} thread(s)${cold ? ', cold' : ''}: CPU ms / wall ms per call (GFLOP/s of wall time), ${sw} on | off`);
for (const [name, A, B, bias, m, n, k, ta, tb] of calls) {
  const call = () => a.matmul(heap, Float64Array.of(A, B, OUT, bias, 0, 1, 1, 1, m, n, k, ta, tb));
  const best = { on: [Infinity, Infinity], off: [Infinity, Infinity] };
  for (let r = 0; r < 6; r++) {
    for (const side of r % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      if (side === 'on') delete process.env[sw];
      else process.env[sw] = '0';
      call();
      const t = time(call);
      best[side] = [Math.min(best[side][0], t[0]), Math.min(best[side][1], t[1])];
    }
  }
  const fmt = ([cpu, wall]: number[]) => `${cpu.toFixed(3)} / ${wall.toFixed(3)} (${(2 * m * n * k / wall / 1e6).toFixed(0)})`;
  console.log(`${name.padEnd(44)} ${fmt(best.on)} | ${fmt(best.off)}`);
}
