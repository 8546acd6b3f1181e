import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

// The studio is built into dist/web and served by `pcc server` on the API's own origin.
export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  build: { outDir: path.resolve(here, '..', 'dist', 'web'), emptyOutDir: true, sourcemap: true },
  test: { environment: 'jsdom', include: ['src/**/*.test.tsx'] },
});
