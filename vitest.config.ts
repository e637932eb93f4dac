import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['simulation/runner/node20-compatibility.ts'],
    // Synthesis and bundling tests are CPU-bound; two workers fit the 2-core CI machine.
    maxWorkers: 2,
    testTimeout: 60_000,
    // The JSON report lets CI print a plain "N passed, N failed" line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    hookTimeout: 120_000,
  },
});
