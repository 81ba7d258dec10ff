// How this `bbetl` runs: from its bundle (scripts/cliBundle.mjs), or its TypeScript through tsx
// when the bundle is missing or older than the sources (scripts/bbetl.mjs decides, and says which
// in BBETL_CLI_RUNS). Both work; tsx starts each command slower.
import { type CheckResult, ok, warn } from './check';

export function checkCli(runs = process.env.BBETL_CLI_RUNS): CheckResult {
  if (runs === undefined) return ok('cli', 'not started by scripts/bbetl.mjs');
  if (runs === 'bundle') return ok('cli', 'runs its bundle (.build/cli), built from the sources as they are');
  return warn(
    'cli',
    `runs its TypeScript through tsx, slower to start each command (bundle: ${runs.replace(/^tsx: /, '')})`,
    '`npm run build` (`npm ci` builds it too)',
  );
}
