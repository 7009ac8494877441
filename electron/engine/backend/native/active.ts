// Backend layer: whether the native kernels are on for the wasm backend now, for code that is not a kernel.
import type { NativeAddon } from './addon.js';

let active: NativeAddon | null = null;

/** Set where the native kernels are switched on or off for the wasm backend (null: off). */
export function setActiveNative(addon: NativeAddon | null): void {
  active = addon;
}

/** The addon while the native kernels are registered on the wasm backend, else null. */
export function activeNative(): NativeAddon | null {
  return active;
}
