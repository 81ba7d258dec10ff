// PGlite is single-process: two processes that open one data directory corrupt it. A lock file in
// the directory names the process that has it open; a second process gets a clear error instead
// of a broken warehouse, and a lock left by a process that died is taken over.
import { basename, join } from 'node:path';
import { claimPidFile } from '../lib/pidFile';

export const PGLITE_LOCK_FILE = 'bbetl.lock';

export class PgliteLockedError extends Error {
  override name = 'PgliteLockedError';
}

interface LockData {
  command: string;
  since: string;
}

/** How the holder is named in the error another process sees, e.g. "bbetl worker". */
function describeProcess(): string {
  const [, script = '', ...args] = process.argv;
  const command = /bbetl(\.mjs)?$/.test(script)
    ? ['bbetl', ...args]
    : [basename(process.argv0), basename(script), ...args];
  return command.join(' ').slice(0, 200);
}

/** Locks `dir` for this process; returns the release (also run on exit). Throws PgliteLockedError. */
export async function lockPgliteDir(dir: string): Promise<() => void> {
  const path = join(dir, PGLITE_LOCK_FILE);
  const result = await claimPidFile<LockData>(path, {
    command: describeProcess(),
    since: new Date().toISOString(),
  });
  if ('claim' in result) return result.claim.release;
  const { pid, command = 'unknown command', since = 'unknown time' } = result.holder;
  throw new PgliteLockedError(
    `the embedded warehouse at ${dir} is in use by process ${pid} (${command}, since ${since}); ` +
      `stop it or run this command through it. If process ${pid} is not bbetl, delete ${path}.`,
  );
}
