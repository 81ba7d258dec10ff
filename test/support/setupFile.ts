// Runs in every test worker before its test files: quiet the Temporal SDK's per-worker INFO logs.
import { DefaultLogger, Runtime } from '@temporalio/worker';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Already installed by an earlier file in this same worker process: keep that one.
}
