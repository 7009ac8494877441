// Bench tool: the native LayerNormalization forward and gradient on residual-sep's shape [128x14x14x112] (25,088 rows
// of 112) straight through the addon; process CPU ms and wall ms per call, best of 7 runs of 20 calls,
// the 8-rows path (WORKBENCH_LN_ROWS8 unset) and the scalar one (=0) alternating, 3 rounds, in one process.
// npx tsx bench/layernorm-rows.ts [threads, default 2] [rows, default 25088] [channels, default 112]
import { addonBench, bestOf } from './addon-bench.js';

const M = Number(process.argv[3] ?? 128 * 14 * 14), C = Number(process.argv[4] ?? 112), E = M * C;
const { a, heap, threads } = addonBench(process.argv[2], 2, 4 * (5 * E + 4 * C + 2 * M) + 4096, (i) => ((i * 7919) % 997 - 498) / 97);
const X = 0, DY = 4 * E, Y = 8 * E, DX = 12 * E, G = 16 * E, B = G + 4 * C, DG = B + 4 * C, DB = DG + 4 * C;
const MEAN = DB + 4 * C, RSTD = MEAN + 4 * M;
/** [CPU, wall] ms per call, best of 7 runs of 20. */
function time(fn: () => void): [number, number] {
  const t = bestOf(fn, 20, 7);
  return [t.cpu, t.wall];
}
const fw = () => a.layerNorm(heap, Float64Array.of(X, G, B, Y, MEAN, RSTD, M, C, 1e-3));
const gr = () => a.layerNormGrad(heap, Float64Array.of(X, DY, MEAN, RSTD, G, DX, DG, DB, M, C));
const best: Record<string, [number, number]> = {};
const keep = (k: string, v: [number, number]) => { const b = best[k] ?? [Infinity, Infinity]; best[k] = [Math.min(b[0], v[0]), Math.min(b[1], v[1])]; };
for (let round = 0; round < 3; round++)
  for (const side of ['on', 'off']) {
    if (side === 'off') process.env.WORKBENCH_LN_ROWS8 = '0';
    else delete process.env.WORKBENCH_LN_ROWS8;
    keep(`forward ${side}`, time(fw));
    keep(`gradient ${side}`, time(gr));
  }
delete process.env.WORKBENCH_LN_ROWS8;
console.log(`${threads} thread(s): [${M}x${C}], best CPU ms / wall ms per call`);
for (const [k, [c, w]] of Object.entries(best).sort()) console.log(`${k.padEnd(13)} cpu ${c.toFixed(3)}  wall ${w.toFixed(3)}`);
