import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Git and process-heavy suites share 2 cores; keep the parallelism modest.
    maxWorkers: 2,
  },
});
