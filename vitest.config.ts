import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Explicit include: Playwright specs under e2e/ must never be picked up here.
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
