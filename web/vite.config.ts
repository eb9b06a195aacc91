import { defineConfig } from 'vite';

// Preact without a plugin: esbuild compiles JSX with Preact's automatic runtime.
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  test: { environment: 'happy-dom' },
} as never);
