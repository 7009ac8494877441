// Test helper (tests layer): the SwiftShader Vulkan driver that Debian's chromium ships, as a WebGPU adapter for Dawn.
// Product code never points at it; tests set it up as a user with a software Vulkan driver would.
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM_DIR = '/usr/lib/chromium';
export const SWIFTSHADER_ICD = path.join(CHROMIUM_DIR, 'vk_swiftshader_icd.json');

/** chromium's SwiftShader ICD and its Vulkan loader are both here. */
export function swiftShaderPresent(): boolean {
  return existsSync(SWIFTSHADER_ICD) && existsSync(path.join(CHROMIUM_DIR, 'libvulkan.so.1'));
}

/**
 * Environment for a child process that should find SwiftShader: the ICD, XDG_RUNTIME_DIR (the Vulkan loader wants one)
 * and, for Dawn's dlopen("libvulkan.so.1"), chromium's loader when the system has none. Values the caller's
 * environment already sets are kept.
 */
export function swiftShaderEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const runtime = base.XDG_RUNTIME_DIR ?? path.join(os.tmpdir(), `xdg-runtime-${process.getuid?.() ?? 'user'}`);
  mkdirSync(runtime, { recursive: true, mode: 0o700 });
  const ld = [base.LD_LIBRARY_PATH, CHROMIUM_DIR].filter(Boolean).join(':');
  return { ...base, VK_ICD_FILENAMES: base.VK_ICD_FILENAMES ?? SWIFTSHADER_ICD, XDG_RUNTIME_DIR: runtime, LD_LIBRARY_PATH: ld };
}

/**
 * Sets the same up inside this process, before Dawn loads: the variables (read by the Vulkan loader when Dawn starts
 * it), and chromium's libvulkan.so.1 loaded ahead, since LD_LIBRARY_PATH counts only from process start. Loaded with
 * RTLD_NODELETE it stays after Node's dlopen finds no addon in it, and Dawn's dlopen then gets it by its soname.
 */
export function useSwiftShaderInProcess(): void {
  const env = swiftShaderEnv();
  process.env.VK_ICD_FILENAMES = env.VK_ICD_FILENAMES;
  process.env.XDG_RUNTIME_DIR = env.XDG_RUNTIME_DIR;
  // Too late for this process's own dlopen (hence the load below), but where the engine looks for the Vulkan loader.
  process.env.LD_LIBRARY_PATH = env.LD_LIBRARY_PATH;
  if (process.platform !== 'linux') return;
  const RTLD_NODELETE = 0x1000;
  const { RTLD_NOW, RTLD_GLOBAL } = os.constants.dlopen as Record<string, number>;
  try {
    process.dlopen({ exports: {} }, path.join(CHROMIUM_DIR, 'libvulkan.so.1'), RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE);
  } catch {
    // Expected: the loader is no Node addon ("did not self-register"); it stays loaded all the same.
  }
}
