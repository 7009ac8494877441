// Backend layer: loads the optional native kernel addon (native/build/tfjs_native.node) and says why when it cannot.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

/** The addon's functions: each takes the wasm heap and a Float64Array of byte offsets and sizes (see native/src/addon.c). */
/** Must equal TN_API_VERSION in native/src/addon.c. */
export const NATIVE_API_VERSION = 2;

export interface NativeAddon {
  apiVersion: number;
  conv2d(heap: ArrayBufferLike, args: Float64Array): void;
  conv2dFilterGrad(heap: ArrayBufferLike, args: Float64Array): void;
  conv2dInputGrad(heap: ArrayBufferLike, args: Float64Array): void;
  matmul(heap: ArrayBufferLike, args: Float64Array): void;
  maxPool(heap: ArrayBufferLike, args: Float64Array): void;
  maxPoolGrad(heap: ArrayBufferLike, args: Float64Array): void;
  sumRows(heap: ArrayBufferLike, args: Float64Array): void;
  eltwise(heap: ArrayBufferLike, args: Float64Array): void;
  setThreads(n: number): number;
  threads(): number;
  isa(): string;
}

export type NativeLoad = { ok: true; addon: NativeAddon; path: string } | { ok: false; reason: string };

/**
 * Where `node native/build.mjs` puts the addon, seen from this module in the source tree
 * (electron/engine/backend/native/) or from a bundle in dist/electron/; WORKBENCH_NATIVE_ADDON overrides.
 * In a packaged app the file is unpacked beside app.asar (electron-builder's asarUnpack), since the OS loader
 * cannot read inside an archive.
 */
export function addonPath(): string {
  if (process.env.WORKBENCH_NATIVE_ADDON) return process.env.WORKBENCH_NATIVE_ADDON;
  const candidates = ['../../../../native/build/tfjs_native.node', '../../native/build/tfjs_native.node']
    .map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
    .flatMap((p) => [p.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2'), p]);
  return candidates.find((p) => existsSync(p)) ?? candidates[1];
}

let cached: NativeLoad | null = null;

export function loadNative(): NativeLoad {
  if (cached) return cached;
  const path = addonPath();
  if (process.env.WORKBENCH_NATIVE === '0') cached = { ok: false, reason: 'native kernels disabled (WORKBENCH_NATIVE=0)' };
  else if (!existsSync(path)) cached = { ok: false, reason: `native kernels not built (${path} missing; run npm run build:native)` };
  else {
    try {
      const addon = createRequire(import.meta.url)(path) as NativeAddon;
      cached = addon.apiVersion === NATIVE_API_VERSION
        ? { ok: true, addon, path }
        : { ok: false, reason: `native kernels out of date (${path} has API ${addon.apiVersion ?? 1}, engine needs ${NATIVE_API_VERSION}; run npm run build:native)` };
    } catch (e) {
      cached = { ok: false, reason: `native kernels failed to load: ${(e as Error).message}` };
    }
  }
  return cached;
}

/** Threads for the native pool: what the caller asks, else every core. */
export function defaultThreads(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}
