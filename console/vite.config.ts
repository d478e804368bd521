import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

// The console is served by minibase at /console/ (crates/server/src/console/assets.rs): hashed
// files under assets/ are cached for a year, index.html never.
export default defineConfig({
  base: '/console/',
  plugins: [vue()],
  build: {
    outDir: process.env.CONSOLE_OUT_DIR ?? 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 2048,
    // No inline scripts or data: modules: the Content-Security-Policy allows only own files.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['test/**/*.test.ts'],
  },
});
