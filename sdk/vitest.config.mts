import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The integration suite starts real servers and waits for real tokens to expire.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
