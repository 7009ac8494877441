// Build of the renderer (Vue 3): one static bundle under dist/renderer, loadable from file://, a custom protocol or the web server.
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';

/** Third-party code split into its own chunks: ECharts alone is ~600 kB, and the app's own code changes far more often. */
function vendorChunk(id: string): string | undefined {
  if (!id.includes('/node_modules/')) return undefined;
  if (/\/node_modules\/(echarts|zrender)\//.test(id)) return 'echarts';
  if (/\/node_modules\/(@vue|vue|pinia|vue-router)\//.test(id)) return 'vue';
  return 'vendor';
}

export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  base: './',
  plugins: [vue()],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // No inline module preload polyfill: the page must run under CSP script-src 'self'.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    // Rollup's default (500 kB) is for pages fetched over a network; this bundle is read from disk (or 127.0.0.1) once.
    // ECharts is one indivisible ~600 kB chunk, so the limit sits just above it and still flags any other chunk that balloons.
    chunkSizeWarningLimit: 800,
    sourcemap: true,
    rollupOptions: {
      output: { manualChunks: vendorChunk },
      onwarn(warning, warn) {
        // zod 4 puts explanatory comments that mention `@__PURE__` before statements Rollup cannot annotate; Rollup drops
        // the comment and says so. Nothing of ours is affected and zod's output is unchanged, so that one notice is muted
        // for zod alone; any other INVALID_ANNOTATION (ours or another package's) still prints.
        if (warning.code === 'INVALID_ANNOTATION' && /[\\/]node_modules[\\/]zod[\\/]/.test(warning.id ?? '')) return;
        warn(warning);
      },
    },
  },
  server: { port: 5173, strictPort: false },
});
