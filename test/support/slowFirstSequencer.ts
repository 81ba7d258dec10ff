// The order test files start in: the slow ones first, so that three workers on two cores do not
// end on one long file while the others sit idle. Vitest orders by the durations it cached on an
// earlier run; a clean clone (CI) has none, and the default then starts the largest files first,
// which are not the slowest. The list is the slowest files of a clean `bash .ci/run`
// (a full `npm test` on a quiet machine, 2026-12-06); a file missing from it only starts later, so a stale list costs minutes of
// tail at worst, never a result.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const SLOWEST_FIRST = [
  'test/pipeline/bigqueryEndToEnd.test.ts',
  'test/cli/cli.test.ts',
  'test/pipeline/economy.test.ts',
  'test/sql/incrementalModels.test.ts',
  'test/sql/teams.test.ts',
  'test/pipeline/crash.test.ts',
  'test/chaos/sandboxFaults.test.ts',
  'test/chaos/workerKills.test.ts',
  'test/pipeline/scaleOut.test.ts',
  'test/bitbucket/tokenVault.concurrency.test.ts',
  'test/pipeline/transforms.test.ts',
  'test/cli/doctor.test.ts',
  'test/cli/demo.test.ts',
  'test/pipeline/backfillOrder.test.ts',
  'test/web/status.test.ts',
  'test/cli/streams.test.ts',
  'test/chaos/temporalRestart.test.ts',
  'test/pipeline/listNotFound.test.ts',
  'test/bitbucket/streams.test.ts',
  'test/chaos/oddPayloads.test.ts',
];

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const i = SLOWEST_FIRST.findIndex((path) => spec.moduleId.endsWith(path));
      return i === -1 ? SLOWEST_FIRST.length : i;
    };
    // Projects stay in vitest's order, one after the other; inside each, the listed files first
    // and the others in vitest's order (a stable sort).
    const projects = [...new Set(base.map((spec) => spec.project.name))];
    const project = (spec: TestSpecification) => projects.indexOf(spec.project.name);
    return base
      .map((spec, i) => ({ spec, i }))
      .sort((a, b) => project(a.spec) - project(b.spec) || rank(a.spec) - rank(b.spec) || a.i - b.i)
      .map(({ spec }) => spec);
  }
}
