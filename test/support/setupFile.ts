// Runs in every test worker before each of its test files: quiet the Temporal SDK's per-worker INFO
// logs, and remove the data folders the file made once it is done.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { afterAll } from 'vitest';
import { removeDataDirs } from './dataDirs';

afterAll(removeDataDirs);

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Already installed by an earlier file in this same worker process: keep that one.
}
