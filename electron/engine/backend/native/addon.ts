// Backend layer: loads the optional native kernel addon (native/build/tfjs_native.node, else the prebuilt binary for
// this platform in native/prebuilds/) and says why when it cannot.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { BackendError } from '../errors.js';

/** The addon's functions: each takes the wasm heap and a Float64Array of byte offsets and sizes (see native/src/addon.c). */
/** Must equal TN_API_VERSION in native/src/addon.c. */
export const NATIVE_API_VERSION = 4;

/** The kernels, by the name the addon exports them under (also the keys of `counts()`). */
export const NATIVE_KERNELS = ['conv2d', 'conv2dFilterGrad', 'conv2dInputGrad', 'matmul', 'maxPool', 'maxPoolGrad', 'sumRows', 'eltwise',
  'batchNorm', 'batchNormTrain', 'batchNormGrad', 'optim', 'activation', 'avgPool', 'avgPoolGrad', 'mean', 'dropout',
  'depthwise', 'depthwiseInputGrad', 'depthwiseFilterGrad', 'copyRows', 'broadcast', 'layerNorm', 'layerNormGrad', 'biasActGrad', 'noise', 'reluGrad',
  'pad', 'maxMiddle', 'maxPoolReluGrad',
  'matmulOptim'] as const;
export type NativeKernelName = (typeof NATIVE_KERNELS)[number];
/** Keys of `counts()` that are not kernels: which path a kernel took (dropout's rounding loop, Winograd convolutions). */
export const NATIVE_PATH_COUNTERS = ['dropoutRounded', 'conv2dWinograd', 'conv2dInputGradWinograd', 'conv2dFilterGradWinograd', 'conv2dFilterGradDirect', 'dropoutMwc', 'activationAvx512', 'noiseMwc', 'conv2dDirectRegs', 'maxPoolGradRegs',
  'layerNormGradFused', 'copyRowsInterleaved', 'noiseVec', 'noisePipe', 'conv2dDilated', 'conv2dInputGradDilated', 'conv2dFilterGradDilated',
  'conv2dFilterGradDirectNarrow', 'conv2dImplicit', 'conv2dFilterGradImplicit', 'conv2dInputGradImplicit',
  'conv2dDirectRegs3', 'conv2dDirect', 'maxPoolReluGrad2x2', 'maxPool2x2', 'conv2dWinogradWide', 'maxPoolRelu6', 'padMerged', 'broadcastFlat', 'maxPoolGrad2x2', 'copyRowsBlocks', 'depthwiseVec', 'conv2dDilatedDirect',
  'layerNormRows8', 'layerNormGradRows8',
  'conv2d1x1', 'conv2dInputGrad1x1', 'conv2dFilterGrad1x1', 'maxPoolReluGrad2x2Bw', 'gemmPackRows'] as const;
export type NativePathCounter = (typeof NATIVE_PATH_COUNTERS)[number];

export interface NativeAddon {
  apiVersion: number;
  conv2d(heap: ArrayBufferLike, args: Float64Array): void;
  conv2dFilterGrad(heap: ArrayBufferLike, args: Float64Array): void;
  conv2dInputGrad(heap: ArrayBufferLike, args: Float64Array): void;
  matmul(heap: ArrayBufferLike, args: Float64Array): void;
  /** matmul with A read from `a` (args[0]: a byte offset into it) instead of the heap; absent in builds before it. */
  matmulFrom?(heap: ArrayBufferLike, args: Float64Array, a: Float32Array): void;
  maxPool(heap: ArrayBufferLike, args: Float64Array): void;
  maxPoolGrad(heap: ArrayBufferLike, args: Float64Array): void;
  sumRows(heap: ArrayBufferLike, args: Float64Array): void;
  eltwise(heap: ArrayBufferLike, args: Float64Array): void;
  /** Batch normalisation (native/src/batchnorm.c). A build from before them lacks these three: check before use. */
  batchNorm(heap: ArrayBufferLike, args: Float64Array): void;
  batchNormTrain(heap: ArrayBufferLike, args: Float64Array): void;
  batchNormGrad(heap: ArrayBufferLike, args: Float64Array): void;
  /** One fused optimizer step over many variables (native/src/optim.c); absent in builds before it. */
  optim(heap: ArrayBufferLike, args: Float64Array): void;
  /** Activations, average pooling, axis-block means and dropout (native/src/activation.c, avgpool.c, dropout.c). */
  activation(heap: ArrayBufferLike, args: Float64Array): void;
  avgPool(heap: ArrayBufferLike, args: Float64Array): void;
  avgPoolGrad(heap: ArrayBufferLike, args: Float64Array): void;
  mean(heap: ArrayBufferLike, args: Float64Array): void;
  dropout(heap: ArrayBufferLike, args: Float64Array): void;
  /** Depthwise convolution and its gradients, row copies for Concat/SplitV (native/src/depthwise.c, copy.c); absent in builds before them. */
  depthwise(heap: ArrayBufferLike, args: Float64Array): void;
  depthwiseInputGrad(heap: ArrayBufferLike, args: Float64Array): void;
  depthwiseFilterGrad(heap: ArrayBufferLike, args: Float64Array): void;
  copyRows(heap: ArrayBufferLike, args: Float64Array): void;
  /** Broadcast binary ops, comparisons and Select (native/src/broadcast.c); absent in builds before it. */
  broadcast(heap: ArrayBufferLike, args: Float64Array): void;
  /** Layer normalisation over the last axis and its gradient (native/src/layernorm.c); absent in builds before it. */
  layerNorm(heap: ArrayBufferLike, args: Float64Array): void;
  layerNormGrad(heap: ArrayBufferLike, args: Float64Array): void;
  /** An activation's gradient fused with the bias gradient's column sums (native/src/activation.c); absent in builds before it. */
  biasActGrad(heap: ArrayBufferLike, args: Float64Array): void;
  /** GaussianNoise's draw and the LeakyReLU/PReLU gradients (native/src/noise.c); absent in builds before them. */
  noise(heap: ArrayBufferLike, args: Float64Array): void;
  reluGrad(heap: ArrayBufferLike, args: Float64Array): void;
  /** Constant padding (PadV2) and max over a block of middle axes (Max) (native/src/pad.c); absent in builds before them. */
  pad(heap: ArrayBufferLike, args: Float64Array): void;
  maxMiddle(heap: ArrayBufferLike, args: Float64Array): void;
  /** Max pooling's gradient fused with a relu mask and the bias gradient (native/src/pooling.c); absent in builds before it. */
  maxPoolReluGrad(heap: ArrayBufferLike, args: Float64Array): void;
  /** A weight gradient's GEMM with the optimizer's update of that weight in its parts (native/src/optim.c); absent in builds
   *  before it. `a`: A read from this array instead of the heap (as matmulFrom's). */
  matmulOptim(heap: ArrayBufferLike, args: Float64Array, a?: Float32Array): void;
  /** Sets the calling thread's count (its splits, hence its numbers) and grows the shared pool to match. */
  setThreads(n: number): number;
  threads(): number;
  isa(): string;
  /** Completed calls per kernel since the addon loaded, over every thread of the process. */
  counts(): Record<NativeKernelName | NativePathCounter, number>;
  /** Test hook: the next n scratch allocations fail, as when memory runs out. */
  _failNextAllocations(n: number): void;
}

export type NativeLoad = { ok: true; addon: NativeAddon; path: string } | { ok: false; reason: string };

/** An ASAR path's unpacked twin first: in a packaged app .node files sit beside app.asar (electron-builder's asarUnpack). */
const unpacked = (p: string): string[] => [p.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2'), p];

/**
 * Where `node native/build.mjs` puts the addon, seen from this module in the source tree
 * (electron/engine/backend/native/) or from a bundle in dist/electron/; WORKBENCH_NATIVE_ADDON overrides.
 * Without a local build, the prebuilt binary for this platform (see prebuiltPath).
 */
export function addonPath(): string {
  if (process.env.WORKBENCH_NATIVE_ADDON) return process.env.WORKBENCH_NATIVE_ADDON;
  const candidates = ['../../../../native/build/tfjs_native.node', '../../native/build/tfjs_native.node']
    .map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
    .flatMap(unpacked);
  return candidates.find((p) => existsSync(p)) ?? prebuiltPath() ?? candidates[1];
}

/**
 * The prebuilt binary for this platform and architecture (`npm run prebuild` makes them, native/prebuilds/<platform>-<arch>/,
 * node-gyp-build's layout and matching: libc, Node-API), for users without a C compiler; null when none fits.
 */
export function prebuiltPath(): string | null {
  const req = createRequire(import.meta.url);
  for (const rel of ['../../../../native', '../../native']) {
    for (const dir of unpacked(fileURLToPath(new URL(rel, import.meta.url)))) {
      if (!existsSync(`${dir}/prebuilds`)) continue;
      try {
        // PREBUILDS_ONLY semantics: node-gyp-build would first look for a node-gyp build/Release, which we do not make.
        const found = (req('node-gyp-build') as { resolve(dir: string): string }).resolve(dir);
        return unpacked(found).find((p) => existsSync(p)) ?? found;
      } catch {
        /* no prebuild for this platform in this folder */
      }
    }
  }
  return null;
}

/** Whether `path` is a shipped prebuilt binary rather than this machine's own build (the backend's note says so). */
export const isPrebuilt = (path: string): boolean => /[\\/]prebuilds[\\/]/.test(path);

/** The addon with each kernel's failure (out of scratch memory) turned into a BackendError naming the kernel. */
function guarded(raw: NativeAddon): NativeAddon {
  const kernel = (name: NativeKernelName) => (heap: ArrayBufferLike, args: Float64Array): void => {
    try {
      raw[name](heap, args);
    } catch (e) {
      throw new BackendError((e as Error).message, 'wasm');
    }
  };
  return {
    apiVersion: raw.apiVersion,
    // Only the kernels this build has: one from before a kernel was added leaves it undefined, and its user falls back.
    ...Object.fromEntries(NATIVE_KERNELS.filter((name) => typeof raw[name] === 'function').map((name) => [name, kernel(name)])) as Pick<NativeAddon, NativeKernelName>,
    ...(typeof raw.matmulFrom === 'function' ? {
      matmulFrom: (heap: ArrayBufferLike, args: Float64Array, a: Float32Array) => {
        try {
          raw.matmulFrom!(heap, args, a);
        } catch (e) {
          throw new BackendError((e as Error).message, 'wasm');
        }
      },
    } : {}),
    ...(typeof raw.matmulOptim === 'function' ? {
      matmulOptim: (heap: ArrayBufferLike, args: Float64Array, a?: Float32Array) => {
        try {
          raw.matmulOptim(heap, args, a);
        } catch (e) {
          throw new BackendError((e as Error).message, 'wasm');
        }
      },
    } : {}),
    setThreads: (n) => raw.setThreads(n),
    threads: () => raw.threads(),
    isa: () => raw.isa(),
    counts: () => raw.counts(),
    _failNextAllocations: (n) => raw._failNextAllocations(n),
  };
}

/** Loads the addon at `path` (no cache): ok, or why not: missing file, stale API, or a load error. */
export function loadNativeAt(path: string): NativeLoad {
  if (!existsSync(path)) return { ok: false, reason: `native kernels not built (${path} missing; run npm run build:native)` };
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    return addon.apiVersion === NATIVE_API_VERSION
      ? { ok: true, addon: guarded(addon), path }
      : { ok: false, reason: `native kernels out of date (${path} has API ${addon.apiVersion ?? 1}, engine needs ${NATIVE_API_VERSION}; run npm run build:native)` };
  } catch (e) {
    return { ok: false, reason: `native kernels failed to load: ${(e as Error).message}` };
  }
}

let cached: NativeLoad | null = null;

export function loadNative(): NativeLoad {
  if (cached) return cached;
  if (process.env.WORKBENCH_NATIVE === '0') return (cached = { ok: false, reason: 'native kernels disabled (WORKBENCH_NATIVE=0)' });
  const first = loadNativeAt(addonPath());
  // A local build that is stale or broken (say, left from an older checkout) still leaves the prebuilt binary.
  const pre = first.ok || process.env.WORKBENCH_NATIVE_ADDON ? null : prebuiltPath();
  const second = pre && pre !== addonPath() ? loadNativeAt(pre) : null;
  cached = second?.ok ? second : first;
  return cached;
}

/** Threads for the native pool: what the caller asks, else every core. */
export function defaultThreads(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}
