// Tests the native Winograd F(2x2, 3x3) filter gradient (native/src/winograd.c, tn_winograd_filter_grad) of
// Conv2DBackpropFilter against tfjs's cpu backend, its dispatch and off switch, and that its bits do not depend on the
// thread count.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomValues, runOn, type KernelInput } from '../reference.js';
import { addon, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);
afterEach(() => {
  delete process.env.WORKBENCH_WINOGRAD;
  addon?.setThreads(2);
});

/* The filter gradient sums over every output position of the batch, through transformed inputs (up to ~4x the
   originals) and transformed dy tiles (up to 4x), so its error is relative to the gradient's scale, not to each
   element. Measured max |diff| / max |cpu| on these shapes: 2.0e-7 to 5.0e-7 (native/bench/winograd.mjs on
   strong-cnn's layers, batch 128: 2.5e-7 to 8.1e-7 against im2col). 1e-5 leaves a 20x margin
   and still fails on any wrong tap, padding, edge tile or transform sign. */
const REL_TOL = 1e-5;

function relError(got: ArrayLike<number>, want: ArrayLike<number>): { rel: number; detail: string } {
  let scale = 0;
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= worst)) [worst, at] = [d, i];
  }
  return { rel: scale > 0 ? worst / scale : Infinity, detail: `max |diff| ${worst} at ${at} (got ${got[at]}, want ${want[at]}), scale ${scale}` };
}

const count = (): number => (addon!.counts() as unknown as Record<string, number>).conv2dFilterGradWinograd;
async function counted<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const before = count();
  const out = await fn();
  return [out, count() - before];
}

interface Case { h: number; w: number; pad: 'same' | 'valid'; ci: number; co: number; batch: number }
/* The first: 16 groups (the most) of two chunks each (9,408 tiles, 372 a chunk), so the accumulation over chunks and
   groups runs; few channels keep cpu's reference quick. */
const cases: Case[] = [
  { h: 28, w: 28, pad: 'same', ci: 8, co: 3, batch: 48 },
  { h: 28, w: 28, pad: 'same', ci: 32, co: 32, batch: 3 },
  { h: 14, w: 14, pad: 'same', ci: 32, co: 64, batch: 2 },
  { h: 13, w: 13, pad: 'valid', ci: 32, co: 64, batch: 4 },
  { h: 9, w: 8, pad: 'same', ci: 33, co: 23, batch: 5 },
  { h: 11, w: 7, pad: 'valid', ci: 13, co: 9, batch: 7 },
  { h: 16, w: 16, pad: 'same', ci: 8, co: 3, batch: 1 },
  { h: 10, w: 13, pad: 'valid', ci: 17, co: 1, batch: 16 },
  { h: 15, w: 9, pad: 'same', ci: 9, co: 40, batch: 2 },
];
const title = '$h×$w $pad $ci→$co batch $batch';

function inputs(c: Case, seed: number, extraAttrs: object = {}) {
  const strides = (extraAttrs as { strides?: number[] }).strides ?? [1, 1];
  const oh = c.pad === 'same' ? Math.ceil(c.h / strides[0]) : Math.ceil((c.h - 2) / strides[0]);
  const ow = c.pad === 'same' ? Math.ceil(c.w / strides[1]) : Math.ceil((c.w - 2) / strides[1]);
  const ins: Record<string, KernelInput> = {
    x: { shape: [c.batch, c.h, c.w, c.ci], values: randomValues(c.batch * c.h * c.w * c.ci, seed) },
    dy: { shape: [c.batch, oh, ow, c.co], values: randomValues(c.batch * oh * ow * c.co, seed + 1) },
  };
  return { inputs: ins, attrs: { strides: [1, 1], pad: c.pad, dataFormat: 'NHWC', filterShape: [3, 3, c.ci, c.co], ...extraAttrs } };
}

describe.skipIf(nativeMissing != null)(`native Winograd filter gradient${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(cases)(`Conv2DBackpropFilter ${title} is close to cpu and took the Winograd path`, async (c) => {
    const { inputs: ins, attrs } = inputs(c, c.h * 100 + c.ci);
    const [got, ran] = await counted(() => runOn('wasm', 'Conv2DBackpropFilter', ins, attrs));
    expect(ran, 'Winograd filter-gradient calls').toBe(1);
    const want = await runOn('cpu', 'Conv2DBackpropFilter', ins, attrs);
    expect(got.shape).toEqual(want.shape);
    const { rel, detail } = relError(got.values, want.values);
    expect(rel, `${JSON.stringify(c)}: ${detail}`).toBeLessThanOrEqual(REL_TOL);
  });

  it('gives the same bits on 1 and 2 threads and on a repeat', async () => {
    for (const c of [cases[0], cases[1], cases[4], cases[7]]) {
      const { inputs: ins, attrs } = inputs(c, 9);
      const results: Float32Array[] = [];
      for (const threads of [1, 2, 2]) {
        addon!.setThreads(threads);
        const [dw, ran] = await counted(() => runOn('wasm', 'Conv2DBackpropFilter', ins, attrs));
        expect(ran).toBe(1);
        results.push(dw.values);
      }
      for (const r of results.slice(1)) {
        expect(Buffer.from(r.buffer).equals(Buffer.from(results[0].buffer)), `filter gradient bits ${JSON.stringify(c)}`).toBe(true);
      }
    }
  });

  it('is off with WORKBENCH_WINOGRAD=0: the im2col path runs and agrees within the tolerance', async () => {
    const { inputs: ins, attrs } = inputs(cases[3], 11);
    const [wino, on] = await counted(() => runOn('wasm', 'Conv2DBackpropFilter', ins, attrs));
    process.env.WORKBENCH_WINOGRAD = '0';
    const [im2col, off] = await counted(() => runOn('wasm', 'Conv2DBackpropFilter', ins, attrs));
    expect([on, off]).toEqual([1, 0]);
    const { rel, detail } = relError(wino.values, im2col.values);
    expect(rel, `Winograd vs im2col: ${detail}`).toBeLessThanOrEqual(REL_TOL);
  });

  it('leaves to im2col what it does not cover: strided, few input channels, few tiles, 5×5', async () => {
    const base: Case = { h: 12, w: 12, pad: 'same', ci: 16, co: 16, batch: 2 };
    const off: Array<[string, Case, object]> = [
      ['stride 2', base, { strides: [2, 2] }],
      ['7 input channels', { ...base, ci: 7 }, {}],
      ['31 tiles', { ...base, h: 2, w: 62, batch: 1 }, {}],
      ['5×5', base, { filterShape: [5, 5, 16, 16] }],
    ];
    for (const [label, c, extra] of off) {
      const { inputs: ins, attrs } = inputs(c, 21, extra);
      const [got, ran] = await counted(() => runOn('wasm', 'Conv2DBackpropFilter', ins, attrs));
      expect(ran, label).toBe(0);
      const { rel, detail } = relError(got.values, (await runOn('cpu', 'Conv2DBackpropFilter', ins, attrs)).values);
      expect(rel, `${label}: ${detail}`).toBeLessThanOrEqual(1e-5);
    }
  });
});
