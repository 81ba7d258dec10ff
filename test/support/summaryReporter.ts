// Closes every test run with the slowest test files (a fast suite is a habit: see where the time
// goes) and one plain line, `N passed, N failed` (`, N skipped` where any), that any reader or
// tool sees without parsing vitest's own format. A file that fails to load, and an error outside
// any test, count as failed.
import type { Reporter, SerializedError, TestModule } from 'vitest/node';

const SLOWEST = 20;

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    for (const module of modules) {
      let moduleFailed = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') moduleFailed += 1;
        else if (state === 'skipped') skipped += 1;
      }
      // A file that did not load (or whose hooks failed) has no failed test to show for it.
      failed += moduleFailed || (module.state() === 'failed' ? 1 : 0);
    }
    const slowest = [...modules]
      .map((m) => ({ name: `${m.project.name}:${m.relativeModuleId}`, ms: m.diagnostic().duration }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, SLOWEST);
    if (slowest.length > 1) {
      console.log(`\nSlowest ${slowest.length} test files:`);
      for (const { name, ms } of slowest) console.log(`  ${(ms / 1000).toFixed(1).padStart(7)} s  ${name}`);
    }
    console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  }
}
