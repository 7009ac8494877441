// Backend layer: WebGPU through Dawn's Node binding (npm `webgpu`) for @tensorflow/tfjs-backend-webgpu: finds the
// adapter, tells a hardware one from a software one, and hands navigator.gpu to tfjs only while it is used.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { GpuAdapterInfo } from '../../../shared/run.js';
import { adapterSummary } from '../../../shared/gpuAdapter.js';

const require = createRequire(import.meta.url);

/** What a probe found: an adapter (hardware or software), or why there is none. */
export type WebGpuProbe =
  | { ok: true; adapter: GpuAdapterInfo }
  | { ok: false; cause: 'not-installed' | 'no-adapter' | 'init-error'; reason: string };

interface DawnAdapterInfo { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean }
interface DawnAdapter { info?: DawnAdapterInfo; isFallbackAdapter?: boolean }
interface DawnGpu { requestAdapter(options?: { powerPreference?: string }): Promise<DawnAdapter | null> }
interface DawnModule { create(flags: string[]): DawnGpu; globals: Record<string, unknown> }

/** Drivers that run on the CPU although they present themselves as a GPU. */
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b|software/i;

/** The adapter's description in a form the user reads, and whether it is a software/fallback one. */
export function describeAdapter(adapter: DawnAdapter): GpuAdapterInfo {
  const info = adapter.info ?? {};
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const name = info.description || info.device || [vendor, architecture].filter(Boolean).join(' ') || 'unnamed adapter';
  const fallback = info.isFallbackAdapter === true || adapter.isFallbackAdapter === true;
  const software = fallback || SOFTWARE.test(`${name} ${architecture} ${info.device ?? ''}`);
  return { name, vendor, architecture, fallback, software };
}

/** Whether the Vulkan loader Dawn needs on Linux can be found: the usual folders, then the dynamic linker's cache. */
function vulkanLoaderFound(): boolean {
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib64', '/usr/local/lib'];
  if (dirs.some((d) => existsSync(path.join(d, 'libvulkan.so.1')))) return true;
  try {
    return execFileSync('ldconfig', ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).includes('libvulkan.so.1');
  } catch {
    return false;
  }
}

const NO_VULKAN = ' (the Vulkan loader libvulkan.so.1 was not found: install libvulkan1 and your GPU\'s Vulkan driver)';

/** Why Dawn found no adapter on Linux, as far as can be told. */
function vulkanLoaderHint(): string {
  if (process.platform !== 'linux') return '';
  return vulkanLoaderFound() ? ' (no Vulkan driver offered one)' : NO_VULKAN;
}

let dawn: DawnModule | null = null;
let gpu: DawnGpu | null = null;
let probed: Promise<WebGpuProbe> | null = null;
let backendModule: Promise<void> | null = null;

/** Makes navigator.gpu exist for tfjs-backend-webgpu (Node 20 has no navigator; Node 21+ has one without gpu). */
function exposeGpu(g: DawnGpu | null): void {
  const g0 = globalThis as unknown as { navigator?: Record<string, unknown> };
  if (g == null) {
    if (g0.navigator != null && 'gpu' in g0.navigator) delete g0.navigator.gpu;
    return;
  }
  if (g0.navigator == null) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  Object.defineProperty(g0.navigator!, 'gpu', { value: g, configurable: true, writable: true });
}

async function probeOnce(): Promise<WebGpuProbe> {
  try {
    require.resolve('webgpu');
  } catch {
    return { ok: false, cause: 'not-installed', reason: 'module webgpu (Dawn) not installed' };
  }
  try {
    // Without the Vulkan loader Dawn can only fail, and it says so on stderr at every start: ask it nothing.
    if (process.platform === 'linux' && !vulkanLoaderFound()) return { ok: false, cause: 'no-adapter', reason: `no WebGPU adapter${NO_VULKAN}` };
    dawn ??= (await import(/* @vite-ignore */ 'webgpu')) as unknown as DawnModule;
    // tfjs-backend-webgpu uses the WebGPU constants (GPUBufferUsage, …) as globals, as in a browser.
    for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    gpu = dawn.create([]);
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter == null) {
      gpu = null;
      return { ok: false, cause: 'no-adapter', reason: `no WebGPU adapter${vulkanLoaderHint()}` };
    }
    return { ok: true, adapter: describeAdapter(adapter) };
  } catch (e) {
    gpu = null;
    return { ok: false, cause: 'init-error', reason: `WebGPU (Dawn) failed to start: ${(e as Error).message}` };
  }
}

/** The adapter Dawn offers here (asked once per thread), or why there is none. */
export function probeWebGpu(): Promise<WebGpuProbe> {
  probed ??= probeOnce();
  return probed;
}

/**
 * Puts navigator.gpu in place and imports tfjs-backend-webgpu, which registers its backend only when it sees one.
 * Throws the import's error.
 */
export async function prepareWebGpuBackend(): Promise<void> {
  if (gpu == null) throw new Error('no WebGPU adapter was found');
  exposeGpu(gpu);
  backendModule ??= import(/* @vite-ignore */ '@tensorflow/tfjs-backend-webgpu').then(() => undefined);
  await backendModule;
}

/**
 * Takes navigator.gpu away again while another backend is used: Dawn's instance keeps Node's event loop alive as long
 * as it is reachable. tfjs's already created webgpu backend (if any) keeps its own device.
 */
export function hideWebGpu(): void {
  exposeGpu(null);
}

/** One line for the user: the adapter, and that a software one is far slower than the CPU backends. */
export function adapterNote(a: GpuAdapterInfo): string {
  return `adapter ${adapterSummary(a)}${a.software ? '; far slower than the wasm backend' : ''}`;
}

/** The adapter webgpu runs on here, if a probe found one (null: none, or not probed yet). */
export async function webgpuAdapter(): Promise<GpuAdapterInfo | null> {
  const p = await probeWebGpu();
  return p.ok ? p.adapter : null;
}
