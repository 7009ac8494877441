// Ambient types of the renderer: the preload's window.workbench and .vue modules.
/// <reference types="vite/client" />
import type { WorkbenchApi } from '../../shared/api.js';
import type { ShellApi } from '../../shared/shell.js';

declare global {
  interface Window {
    /** Present in Electron (exposed by electron/preload.ts); absent in a plain browser. */
    workbench?: WorkbenchApi & { shell?: ShellApi };
  }
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

export {};
