// Bench tools' shared set-up for timing native calls straight through the addon: the addon on the threads asked for,
// one heap filled with a fixed pattern (no NaN, values that never grow), and a best-of timer.
import { loadNative, type NativeAddon } from '../electron/engine/backend/native/addon.js';

export interface AddonBench { a: NativeAddon; heap: ArrayBuffer; f: Float32Array; threads: number }

/**
 * The addon on `arg` threads (a command-line word; `fallback` when absent) and a heap of `bytes` bytes, element i set
 * to fill(i) (default ((i % 97) − 48) / 97). Throws a clear message without the addon or with a bad thread count.
 */
export function addonBench(arg: string | undefined, fallback: number, bytes: number, fill = (i: number) => ((i % 97) - 48) / 97): AddonBench {
  const load = loadNative();
  if (!load.ok) throw new Error(`native addon not available: ${load.reason}`);
  const threads = Number(arg ?? fallback);
  if (!(threads >= 1)) throw new Error(`threads must be a positive number, got ${arg}`);
  load.addon.setThreads(threads);
  const heap = new ArrayBuffer(bytes);
  const f = new Float32Array(heap);
  for (let i = 0; i < f.length; i++) f[i] = fill(i);
  return { a: load.addon, heap, f, threads };
}

/**
 * ms per call of fn, best of `runs` runs of `reps` calls after 3 warm-up calls: process CPU time (steadier than wall
 * time on a shared machine; with 2 threads it is both threads' work) and wall time, each its own minimum.
 */
export function bestOf(fn: () => void, reps = 20, runs = 5): { cpu: number; wall: number } {
  for (let i = 0; i < 3; i++) fn();
  let cpu = Infinity, wall = Infinity;
  for (let r = 0; r < runs; r++) {
    const c = process.cpuUsage(), t = performance.now();
    for (let i = 0; i < reps; i++) fn();
    wall = Math.min(wall, (performance.now() - t) / reps);
    const d = process.cpuUsage(c);
    cpu = Math.min(cpu, (d.user + d.system) / 1000 / reps);
  }
  return { cpu, wall };
}
