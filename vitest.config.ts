import { configDefaults, defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/support/slowFirstSequencer';

/** What every project's test files share. */
const shared = {
  setupFiles: ['test/support/setupFile.ts'],
  testTimeout: 60_000,
  hookTimeout: 120_000,
  // Files in one worker share its module cache: importing the Temporal SDK, the BigQuery client
  // and the models again for every file cost a fifth of the run. Each file still makes its own
  // schemas, sandboxes and task queues (test/support), so no state passes between files.
  isolate: false,
};

export default defineConfig({
  test: {
    // Once for the whole run (one Temporal dev server); both projects see what it provides.
    globalSetup: ['test/support/globalSetup.ts'],
    // Three files at a time on two cores: many files wait on sleeps, heartbeats and child
    // processes, and two left the CPU about a tenth idle. Measured on a clean run: 443 s with 2,
    // 398 s with 3 (vmstat: 7 % idle), every test passing.
    maxWorkers: 3,
    // The slowest files start first (a clean clone has no durations cached to order by).
    sequence: { sequencer: SlowFirstSequencer },
    // The default output, then the slowest files and a plain `N passed, N failed` line.
    reporters: ['default', './test/support/summaryReporter.ts'],
    projects: [
      {
        test: {
          ...shared,
          name: 'main',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/chaos/**'],
        },
      },
      {
        // The reliability suite: small under `npm test`, bigger under `npm run test:chaos`.
        test: { ...shared, name: 'chaos', include: ['test/chaos/**/*.test.ts'] },
      },
    ],
  },
});
