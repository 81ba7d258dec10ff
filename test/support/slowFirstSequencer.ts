// The order test files start in: the slow ones first, so that three workers on two cores do not
// end on one long file while the others sit idle. Vitest orders by the durations it cached on an
// earlier run; a clean clone (CI) has none, and the default then starts the largest files first,
// which are not the slowest. The list is the 30 slowest files of a full `npm test` (2026-12-07,
// 692 s, by their duration in that run): a slow file left off it (tokenVault, mostly sleeps, was)
// starts late and can run alone at the end. A file missing from the list only starts later, so a
// stale list costs minutes of tail at worst, never a result.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const SLOWEST_FIRST = [
  'test/sql/incrementalModels.test.ts',
  'test/pipeline/bigqueryEndToEnd.test.ts',
  'test/pipeline/economy.test.ts',
  'test/cli/cli.test.ts',
  'test/web/connect.e2e.test.ts',
  'test/pipeline/crash.test.ts',
  'test/cli/workspacePrice.test.ts',
  'test/pipeline/scaleOut.test.ts',
  'test/bitbucket/tokenVault.test.ts',
  'test/chaos/sandboxFaults.test.ts',
  'test/sql/teams.test.ts',
  'test/chaos/workerKills.test.ts',
  'test/cli/demo.test.ts',
  'test/pipeline/backfillOrder.test.ts',
  'test/transforms/dbtExport.test.ts',
  'test/web/status.test.ts',
  'test/pipeline/transforms.test.ts',
  'test/cli/streams.test.ts',
  'test/sql/coverage.test.ts',
  'test/cli/doctor.test.ts',
  'test/pipeline/listNotFound.test.ts',
  'test/bitbucket/tokenVault.concurrency.test.ts',
  'test/pipeline/incremental.test.ts',
  'test/chaos/oddPayloads.test.ts',
  'test/chaos/temporalRestart.test.ts',
  'test/pipeline/economySkips.test.ts',
  'test/transforms/engine.test.ts',
  'test/web/dashboard.test.ts',
  'test/sql/seatSpend.test.ts',
  'test/pipeline/boundedHistory.test.ts',
];

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const i = SLOWEST_FIRST.findIndex((path) => spec.moduleId.endsWith(path));
      return i === -1 ? SLOWEST_FIRST.length : i;
    };
    // One order across both projects: they share one queue of files (the same sequence.groupOrder),
    // so a slow chaos file waits behind nothing. Unlisted files follow in vitest's order (a stable sort).
    return base
      .map((spec, i) => ({ spec, i }))
      .sort((a, b) => rank(a.spec) - rank(b.spec) || a.i - b.i)
      .map(({ spec }) => spec);
  }
}
