import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Many tests start real processes and servers; on a 2-core machine running files in parallel,
    // a spawn can take seconds. Timeouts are for hangs, not for speed (benchmarks live in bench/).
    testTimeout: 30_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts', 'src/**/*.tsx'],
      reporter: ['text-summary', 'text'],
      thresholds: {
        'src/domain/**': { lines: 90 },
      },
    },
  },
});
