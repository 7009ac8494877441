// Bench tool: the strong-cnn and seed-CNN 3x3 convolutions, im2col + GEMM against Winograd F(2x2, 3x3), forward (bias +
// relu), input gradient and filter gradient, through the built addon. Usage: node native/bench/winograd.mjs [threads] [reps] [batch]
// Prints best-of-reps process CPU ms (BENCH_WALL=1: wall ms) per call for both paths (alternated call by call) and Winograd's max error relative to
// the largest |output| of the im2col path.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const addon = createRequire(import.meta.url)(join(here, '..', 'build', 'tfjs_native.node'));
const threads = Number(process.argv[2] ?? 1), reps = Number(process.argv[3] ?? 7), batch = Number(process.argv[4] ?? 128);
addon.setThreads(threads);
// Process CPU time (both threads' work) by default: on a shared machine wall time mostly measures the other sessions.
const cpuTime = process.env.BENCH_WALL !== '1';

const layers = [
  { name: 'strong conv2 32→32 28×28 same', h: 28, c: 32, co: 32, pad: 1 },
  { name: 'strong conv3 32→64 14×14 same', h: 14, c: 32, co: 64, pad: 1 },
  { name: 'strong conv4 64→64 14×14 same', h: 14, c: 64, co: 64, pad: 1 },
  { name: 'seed conv2 32→64 13×13 valid', h: 13, c: 32, co: 64, pad: 0 },
];
// --layers h:c:co:pad[,...] measures other shapes (e.g. 28:8:32:1), batch from argv[4].
const custom = process.argv.indexOf('--layers');
if (custom > 0) {
  layers.splice(0, layers.length, ...process.argv[custom + 1].split(',').map((s) => {
    const [h, c, co, pad] = s.split(':').map(Number);
    return { name: `${c}→${co} ${h}×${h} ${pad ? 'same' : 'valid'}`, h, c, co, pad };
  }));
}

let seed = 1;
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;

console.log(`isa ${addon.isa()}, ${threads} thread(s), batch ${batch}, best of ${reps}, ${cpuTime ? 'process CPU' : 'wall'} ms`);
console.log('layer | pass | im2col ms | winograd ms | speed-up | max rel err');
for (const L of layers) {
  const n = batch, h = L.h, w = L.h, oh = h + 2 * L.pad - 2, ow = oh;
  const sizes = { x: n * h * w * L.c, f: 9 * L.c * L.co, b: L.co, y: n * oh * ow * L.co };
  const heap = new ArrayBuffer(4 * (2 * sizes.x + 2 * sizes.f + sizes.b + 2 * sizes.y) + 64);
  const f32 = new Float32Array(heap);
  let off = 0;
  const take = (k) => { const o = off; off += k; return o; };
  const X = take(sizes.x), F = take(sizes.f), B = take(sizes.b), Y = take(sizes.y), DY = take(sizes.y), DX = take(sizes.x), DF = take(sizes.f);
  for (let i = 0; i < off; i++) f32[i] = rnd();
  const geo = [n, h, w, L.c, 3, 3, L.co, oh, ow, 1, 1, L.pad, L.pad];
  const fwd = new Float64Array([X * 4, F * 4, B * 4, Y * 4, 1, ...geo]);
  const bwd = new Float64Array([DY * 4, F * 4, DX * 4, ...geo]);
  const fgrad = new Float64Array([X * 4, DY * 4, DF * 4, ...geo]);
  for (const [pass, call, out, len] of [['fwd', () => addon.conv2d(heap, fwd), Y, sizes.y], ['dx', () => addon.conv2dInputGrad(heap, bwd), DX, sizes.x], ['dw', () => addon.conv2dFilterGrad(heap, fgrad), DF, sizes.f]]) {
    const best = { 0: Infinity, 1: Infinity };
    const res = {};
    for (let r = 0; r < reps; r++) {
      for (const on of [0, 1]) {
        process.env.WORKBENCH_WINOGRAD = String(on);
        const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
        call();
        const wall = Number(process.hrtime.bigint() - t0) / 1e6, cu = process.cpuUsage(c0);
        const ms = cpuTime ? (cu.user + cu.system) / 1e3 : wall;
        if (ms < best[on]) best[on] = ms;
        res[on] = f32.slice(out, out + len);
      }
    }
    let scale = 0, err = 0;
    for (let i = 0; i < len; i++) scale = Math.max(scale, Math.abs(res[0][i]));
    for (let i = 0; i < len; i++) err = Math.max(err, Math.abs(res[0][i] - res[1][i]));
    console.log(`${L.name} | ${pass} | ${best[0].toFixed(2)} | ${best[1].toFixed(2)} | ${(best[0] / best[1]).toFixed(2)}× | ${(err / scale).toExponential(1)}`);
  }
}
const c = addon.counts();
console.log(`winograd calls: forward ${c.conv2dWinograd}, input grad ${c.conv2dInputGradWinograd}, filter grad ${c.conv2dFilterGradWinograd}`);
