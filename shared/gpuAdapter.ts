// The WebGPU adapter in words, the same in the CLI, the app and the report (shared: no engine or renderer imports).
import type { GpuAdapterInfo } from './run.js';

/** "software (fallback) adapter" / "hardware adapter": what a researcher needs to judge the speed. */
export function adapterKind(a: GpuAdapterInfo): string {
  if (!a.software) return 'hardware adapter';
  return a.fallback ? 'software fallback adapter, runs on the CPU' : 'software adapter, runs on the CPU';
}

/** "SwiftShader driver 5.0.0 (google swiftshader; software fallback adapter, runs on the CPU)". */
export function adapterSummary(a: GpuAdapterInfo): string {
  const maker = [a.vendor, a.architecture].filter((s) => s && !a.name.toLowerCase().includes(s.toLowerCase())).join(' ');
  return `${a.name} (${maker ? `${maker}; ` : ''}${adapterKind(a)})`;
}
