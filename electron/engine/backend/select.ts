// Backend layer: chooses the TensorFlow.js backend (tfjs-node-gpu → webgpu → tfjs-node → wasm → cpu) and adds our kernels.
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { BACKEND_NAMES, type BackendInfo, type BackendName, type GpuAdapterInfo } from '../../../shared/run.js';
import { BackendError } from './errors.js';
import { registerAddedKernels } from './kernels/index.js';
import { defaultThreads, isPrebuilt, loadNative, type NativeAddon } from './native/addon.js';
import { adapterNote, hideWebGpu, prepareWebGpuBackend, probeWebGpu } from './webgpu.js';
import { CUDA_NEEDS, cudaLibrariesNotFound, cudaReason } from './cuda.js';

export { BackendError } from './errors.js';

const require = createRequire(import.meta.url);

interface Candidate {
  /** Name under which the module registers itself with tfjs. */
  tfName: string;
  /** npm module that provides it (the cpu backend ships inside @tensorflow/tfjs). */
  module: string | null;
}

const CANDIDATES: Record<BackendName, Candidate> = {
  'tensorflow-gpu': { tfName: 'tensorflow', module: '@tensorflow/tfjs-node-gpu' },
  webgpu: { tfName: 'webgpu', module: '@tensorflow/tfjs-backend-webgpu' },
  tensorflow: { tfName: 'tensorflow', module: '@tensorflow/tfjs-node' },
  wasm: { tfName: 'wasm', module: '@tensorflow/tfjs-backend-wasm' },
  cpu: { tfName: 'cpu', module: null },
};

type Probe = { ok: true; adapter?: GpuAdapterInfo } | { ok: false; reason: string };

const loaded = new Map<string, Promise<Probe>>();

/** Imports a backend module once; "not installed" is told apart from "installed but broken". */
function loadModule(id: string): Promise<Probe> {
  let p = loaded.get(id);
  if (p == null) {
    p = (async (): Promise<Probe> => {
      try {
        require.resolve(id);
      } catch {
        return { ok: false, reason: `module ${id} not installed` };
      }
      try {
        await import(/* @vite-ignore */ id);
        return { ok: true };
      } catch (e) {
        return { ok: false, reason: `module ${id} is installed but failed to load: ${(e as Error).message}` };
      }
    })();
    loaded.set(id, p);
  }
  return p;
}

/** Can `name` be used here? Imports its module but does not switch to it. */
async function probe(name: BackendName): Promise<Probe> {
  const c = CANDIDATES[name];
  let adapter: GpuAdapterInfo | undefined;
  if (name === 'webgpu') {
    // The backend module registers itself only when navigator.gpu exists, so the adapter comes first.
    const w = await probeWebGpu();
    if (!w.ok) return w;
    adapter = w.adapter;
    try {
      await prepareWebGpuBackend();
    } catch (e) {
      hideWebGpu();
      return { ok: false, reason: `module ${c.module} failed to load: ${(e as Error).message}` };
    }
    // navigator.gpu stays only while webgpu is the backend (activate puts it back); see hideWebGpu.
    if (tf.getBackend() !== 'webgpu') hideWebGpu();
  } else if (c.module != null) {
    const m = await loadModule(c.module);
    if (!m.ok) return name === 'tensorflow-gpu' && !m.reason.endsWith('not installed') ? { ok: false, reason: cudaReason(m.reason) } : m;
  }
  // tfjs-node and tfjs-node-gpu both register "tensorflow"; only the first one imported counts.
  if (name === 'tensorflow' && (await loadModule(CANDIDATES['tensorflow-gpu'].module!)).ok) {
    return { ok: false, reason: 'the "tensorflow" backend is taken by @tensorflow/tfjs-node-gpu' };
  }
  if (tf.findBackendFactory(c.tfName) == null) {
    return { ok: false, reason: `${c.module ?? 'tfjs'} did not register backend "${c.tfName}" with this copy of @tensorflow/tfjs (version mismatch?)` };
  }
  return { ok: true, ...(adapter ? { adapter } : {}) };
}

/** Backends whose modules load here, best first (initialisation itself is tried by selectBackend). */
export async function availableBackends(): Promise<BackendName[]> {
  const out: BackendName[] = [];
  for (const name of BACKEND_NAMES) if ((await probe(name)).ok) out.push(name);
  return out;
}

interface Activated { ok: true; threads?: number; native: NativeAddon | null; nativeNote?: string; adapter?: GpuAdapterInfo }

async function activate(name: BackendName, opts: SelectOptions, auto: boolean): Promise<Activated | { ok: false; reason: string }> {
  const p = await probe(name);
  if (!p.ok) return p;
  // A software adapter (SwiftShader, llvmpipe) is far slower than wasm: only an explicit choice gets it.
  if (auto && p.adapter?.software) {
    hideWebGpu();
    return { ok: false, reason: `software adapter only (${p.adapter.name}${p.adapter.fallback ? ', a fallback adapter' : ''}); choose webgpu explicitly to use it` };
  }
  if (name === 'webgpu') await prepareWebGpuBackend();
  else hideWebGpu();
  const { tfName } = CANDIDATES[name];
  let ok: boolean;
  try {
    ok = await tf.setBackend(tfName);
  } catch (e) {
    return { ok: false, reason: `initialising backend "${tfName}" failed: ${(e as Error).message}` };
  }
  if (!ok || tf.getBackend() !== tfName) return { ok: false, reason: `initialising backend "${tfName}" failed (tfjs logged why)` };
  if (name === 'wasm') {
    if (opts.native === false) return { ok: true, threads: 1, native: null, nativeNote: 'native kernels off (asked)' };
    const n = loadNative();
    if (!n.ok) return { ok: true, threads: 1, native: null, nativeNote: n.reason };
    const threads = n.addon.setThreads(opts.threads ?? defaultThreads());
    return { ok: true, threads, native: n.addon, nativeNote: `native kernels (${n.addon.isa()} GEMM, ${threads} thread${threads === 1 ? '' : 's'}${isPrebuilt(n.path) ? ', prebuilt binary' : ''})` };
  }
  if (name === 'webgpu') return { ok: true, native: null, adapter: p.adapter };
  if (name === 'tensorflow-gpu') {
    // TensorFlow without its CUDA libraries runs on the CPU and only logs why; say which ones it lacks.
    const usingGpu = (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice;
    const missing = usingGpu === false ? cudaLibrariesNotFound() : [];
    if (usingGpu === false) {
      return { ok: true, threads: opts.threads, native: null, nativeNote: `no GPU device in use, TensorFlow runs on the CPU${missing.length ? ` (not found: ${missing.join(', ')}; ${CUDA_NEEDS})` : ''}` };
    }
  }
  return { ok: true, threads: name === 'cpu' ? 1 : opts.threads, native: null };
}

function describe(name: BackendName, a: Activated, addedKernels: string[]): string {
  const parts = [name === 'wasm' ? 'WebAssembly (XNNPACK, single-threaded in Node)' : name === 'cpu' ? 'plain JavaScript CPU backend'
    : name === 'webgpu' ? `WebGPU via Dawn; ${a.adapter ? adapterNote(a.adapter) : 'adapter unknown'}` : `libtensorflow via ${CANDIDATES[name].module}`];
  if (a.nativeNote) parts.push(a.nativeNote);
  if (addedKernels.length > 0) parts.push(`added kernels: ${addedKernels.join(', ')}`);
  return parts.join('; ');
}

let current: { key: string; info: BackendInfo } | null = null;
let queue: Promise<unknown> = Promise.resolve();

export interface SelectOptions {
  /** Threads for the native kernels (default: every core); the wasm build itself runs one in Node. */
  threads?: number;
  /** false keeps the wasm backend on its own kernels (plus our pure-wasm ones), e.g. to compare. Default true. */
  native?: boolean;
}

/**
 * Sets tfjs's backend: the named one, or with 'auto' the best that works here. Idempotent, and safe to
 * call from a worker thread (each thread has its own tfjs). Throws BackendError when an explicitly
 * chosen backend cannot be used, naming why and which ones can.
 */
export function selectBackend(choice: 'auto' | BackendName = 'auto', opts: SelectOptions = {}): Promise<BackendInfo> {
  const run = queue.then(() => select(choice, opts));
  queue = run.catch(() => undefined);
  return run;
}

async function select(choice: 'auto' | BackendName, opts: SelectOptions): Promise<BackendInfo> {
  const key = `${choice}/${opts.threads ?? ''}/${opts.native ?? ''}`;
  if (current?.key === key && tf.getBackend() === CANDIDATES[current.info.name].tfName) return structuredClone(current.info);
  if (choice !== 'auto' && !BACKEND_NAMES.includes(choice)) {
    throw new BackendError(`unknown backend "${String(choice)}"; choose one of auto, ${BACKEND_NAMES.join(', ')}`);
  }
  const order = choice === 'auto' ? [...BACKEND_NAMES] : [choice];
  const skipped: BackendInfo['skipped'] = [];
  for (const name of order) {
    const r = await activate(name, opts, choice === 'auto');
    if (!r.ok) {
      skipped.push({ name, reason: r.reason });
      continue;
    }
    const addedKernels = registerAddedKernels(CANDIDATES[name].tfName, r.native);
    const how = describe(name, r, addedKernels);
    const reason = choice === 'auto'
      ? `${name} is the best backend that works here${skipped.length ? ` (${skipped.map((s) => s.name).join(', ')} skipped)` : ''}: ${how}`
      : `${name} chosen explicitly: ${how}`;
    const info: BackendInfo = { name, reason, skipped, addedKernels, ...(r.threads != null ? { threads: r.threads } : {}), ...(r.adapter ? { adapter: r.adapter } : {}) };
    current = { key, info };
    return structuredClone(info);
  }
  const available = await availableBackends();
  const why = skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
  throw new BackendError(
    choice === 'auto'
      ? `no TensorFlow.js backend could be initialised (${why})`
      : `backend "${choice}" is not available: ${why}. Available here: ${available.join(', ') || 'none'}`,
    choice,
  );
}
