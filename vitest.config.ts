import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * What makes a test file change what later files in the same worker would see: a mocked module, an SDK
 * client stubbed for every instance (aws-sdk-client-mock), the environment, a spy on a global.
 */
const CHANGES_SHARED_STATE =
  /\bvi\.(mock|doMock|stubEnv|stubGlobal|spyOn|useFakeTimers)\(|\bmockClient\(|process\.env(\.\w+|\[[^\]]+\])\s*=(?!=)|delete process\.env/;

/**
 * A helper's hook at its top level: registered only in the first file that loads the helper in a
 * worker, so the files after it would run without it.
 */
const TOP_LEVEL_HOOK = /^(beforeAll|afterAll|beforeEach|afterEach)\(/m;

function needsIsolation(path: string, text: string): boolean {
  return CHANGES_SHARED_STATE.test(text) || (!path.endsWith('.test.ts') && TOP_LEVEL_HOOK.test(text));
}

function testSources(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return testSources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The test files that need a module graph of their own, themselves or through a helper they import. */
function filesNeedingIsolation(): string[] {
  const sources = new Map(testSources('test').map((path) => [path, readFileSync(path, 'utf8')]));
  const isolated = new Set(
    [...sources.keys()].filter((path) => needsIsolation(path, sources.get(path) ?? '')),
  );
  const importsOf = (path: string, text: string) =>
    [...text.matchAll(/(?:from|import) '(\.[^']+)\.js'/g)].map((match) =>
      normalize(join(dirname(path), `${match[1]}.ts`)),
    );
  for (let grew = true; grew; ) {
    grew = false;
    for (const [path, text] of sources) {
      if (!isolated.has(path) && importsOf(path, text).some((imported) => isolated.has(imported))) {
        isolated.add(path);
        grew = true;
      }
    }
  }
  return [...isolated].filter((path) => path.endsWith('.test.ts')).sort();
}

const ISOLATED = filesNeedingIsolation();

/**
 * The files that take 5 s or more on a clean clone, longest first, as measured there: the 200-run fault
 * campaigns, 100,000 real files through the real scripts, the first Lambda bundling, the bursts, the IAM
 * coverage suite, the scripts' own tests, and the tests that start processes or run recreations. They
 * start first: Vitest would otherwise order a fresh clone's files by size, and one of these could start
 * last and run on alone at the end.
 */
const LONGEST = [
  'test/workflow/fault-campaign-recreation.test.ts',
  'test/workflow/recreate-at-scale.test.ts',
  'test/infra/remediation-stack.test.ts',
  'test/workflow/bursts.test.ts',
  'test/workflow/fault-campaign-in-place.test.ts',
  'test/workflow/iam-grants.test.ts',
  'test/lifecycle/lifecycle-scripts.test.ts',
  'test/simulation/stand-in-check-server.test.ts',
  'test/workflow/demo.test.ts',
  'test/workflow/recreate-approval.test.ts',
  'test/unit/cli-startup.test.ts',
  'test/workflow/fault-campaign-workers.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const index = LONGEST.findIndex((path) => spec.moduleId.endsWith(path));
      return index === -1 ? LONGEST.length : index;
    };
    // Stable: the rest keep Vitest's order.
    return sorted
      .map((spec, order) => ({ spec, order }))
      .sort((a, b) => rank(a.spec) - rank(b.spec) || a.order - b.order)
      .map(({ spec }) => spec);
  }
}

export default defineConfig({
  test: {
    setupFiles: ['simulation/runner/node20-compatibility.ts', 'test/build-cache-setup.ts'],
    // The deployed handlers' Powertools logs: no test reads them (logger.test.ts sets its own level).
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT' },
    // Synthesis and bundling tests are CPU-bound; two workers fit the 2-core CI machine.
    maxWorkers: 2,
    testTimeout: 60_000,
    // The JSON report lets CI print a plain "N passed, N failed" line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    hookTimeout: 120_000,
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        // Each in a fresh module graph of its own.
        extends: true,
        test: { name: 'isolated', include: ISOLATED },
      },
      {
        // The rest share each worker's modules: the SDK, aws-cdk-lib, the simulated account and the
        // synthesized templates load once per worker instead of once per file (a test file's own module
        // still runs afresh).
        extends: true,
        test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: ISOLATED, isolate: false },
      },
    ],
  },
});
