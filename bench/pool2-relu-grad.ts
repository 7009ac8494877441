// Bench tool: the seed CNN's two max-pool + relu + bias gradients (WorkbenchMaxPoolReluGrad, 2x2 stride 2) straight
// through the native addon, batch 128; process CPU ms and wall ms per call, best of 20 runs of 20 calls per side.
// npx tsx bench/pool2-relu-grad.ts [threads, default 1] [switch, default WORKBENCH_POOL2_GRAD_BW]: the switch on and
// off (=0) in alternating runs in this one process (the C code reads it per call), best of each side.
import { addonBench, bestOf } from './addon-bench.js';

const { a, heap, threads } = addonBench(process.argv[2], 1, 64 << 20, (i) => ((i * 7919) % 97 - 40) / 97);
const sw = process.argv[3] ?? 'WORKBENCH_POOL2_GRAD_BW';
/** [CPU, wall] ms per call with the switch on or off, best of 5 runs of `reps`. */
function time(fn: () => void, on: boolean, reps = 20): [number, number] {
  if (on) delete process.env[sw];
  else process.env[sw] = '0';
  const t = bestOf(fn, reps, 5);
  return [t.cpu, t.wall];
}
const Y = 0, DY = 4 * 3e6, DZ = 4 * 4e6, DB = 4 * 7e6;
const shapes: [number, number, number][] = [[26, 26, 32], [11, 11, 64]];
console.log(`${threads} thread(s): CPU ms / wall ms per call, ${sw} on | off`);
for (const [h, w, c] of shapes) {
  const oh = Math.floor(h / 2), ow = Math.floor(w / 2);
  const call = () => a.maxPoolReluGrad(heap, Float64Array.of(Y, DY, DZ, DB, 128, h, w, c, 2, 2, oh, ow, 2, 2, 0, 0));
  const on: [number, number] = [Infinity, Infinity], off: [number, number] = [Infinity, Infinity];
  for (let r = 0; r < 4; r++) {
    for (const [side, acc] of [[true, on], [false, off]] as const) {
      const t = time(call, side, 20);
      acc[0] = Math.min(acc[0], t[0]);
      acc[1] = Math.min(acc[1], t[1]);
    }
  }
  const fmt = (t: [number, number]) => `${t[0].toFixed(3)} / ${t[1].toFixed(3)}`;
  console.log(`[128x${oh}x${ow}x${c}] -> [128x${h}x${w}x${c}]`.padEnd(36), `${fmt(on)} | ${fmt(off)}`);
}
