// Test helper: selects wasm with the native kernels, or says why they cannot run here (a failure in CI); counts native calls.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { loadNative, type NativeAddon, type NativeKernelName } from '../../../../../electron/engine/backend/native/addon.js';
import { selectBackend } from '../../../../../electron/engine/backend/select.js';
import { requireInCi } from '../../../../helpers/ciRequire.js';

const load = loadNative();
/** Non-null when the addon is missing (not built: no C compiler at install): the tests then skip, saying so; in CI they fail. */
export const nativeMissing: string | null = requireInCi(load.ok, `the native kernel addon (${load.ok ? '' : load.reason})`) ? null : (load as { reason: string }).reason;
if (nativeMissing) console.warn(`native kernel tests skipped: ${nativeMissing}`);

export const addon: NativeAddon | null = load.ok ? load.addon : null;

export async function useNative(): Promise<void> {
  if (nativeMissing) return;
  const info = await selectBackend('wasm', { native: true, threads: 2 });
  if (!info.reason.includes('native kernels (')) throw new Error(`native kernels did not switch on: ${info.reason}`);
}

/** Runs `fn` and checks the addon's `kernel` ran (at least once) or, with `expected` false, not at all. */
export async function expectNative<T>(kernel: NativeKernelName, fn: () => Promise<T>, expected = true): Promise<T> {
  const before = addon!.counts()[kernel];
  const out = await fn();
  const ran = addon!.counts()[kernel] - before;
  if (expected) expect(ran, `native ${kernel} calls`).toBeGreaterThan(0);
  else expect(ran, `native ${kernel} calls (the shipped kernel should have run)`).toBe(0);
  return out;
}

export type ExactOut = { shape: number[]; dtype: string; values: ArrayLike<number> };
/** Equal shapes, dtypes and every value (NaN equal to NaN); a failure names the first differing element. */
export function expectSame(got: ExactOut | ExactOut[], want: ExactOut | ExactOut[]): void {
  const [g, w] = [[got].flat(), [want].flat()];
  expect(g.length).toBe(w.length);
  g.forEach((o, k) => {
    expect([o.shape, o.dtype], `output ${k}`).toEqual([w[k].shape, w[k].dtype]);
    const at = Array.prototype.findIndex.call(o.values, (v: number, i: number) => !(v === w[k].values[i] || (v !== v && w[k].values[i] !== w[k].values[i])));
    expect(at, `output ${k}: first difference at ${at} (got ${o.values[at]}, want ${w[k].values[at]})`).toBe(-1);
  });
}

/** Runs `fn` on `backend` and returns every output's shape, dtype and values. */
export async function outputsOn(backend: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<ExactOut[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const out = fn();
    return (Array.isArray(out) ? out : [out]).map((t) => ({ shape: t.shape, dtype: t.dtype, values: t.dataSync() }));
  });
}

/** `fn` on wasm (checking that `kernel` ran natively, or with `native` false that it did not) equals `fn` on cpu exactly. */
export async function expectSameAsCpu(kernel: NativeKernelName, fn: () => tf.Tensor | tf.Tensor[], native = true): Promise<void> {
  const got = await expectNative(kernel, () => outputsOn('wasm', fn), native);
  expectSame(got, await outputsOn('cpu', fn));
}
