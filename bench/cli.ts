// How long the brief `bbetl` commands take on the embedded warehouse (PGlite), as a user runs
// them: the executable itself, each command several times on one data directory made (and
// migrated) by the first; the median wall time of each, in milliseconds.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../lib/median';

const BBETL = fileURLToPath(new URL('../scripts/bbetl.mjs', import.meta.url));

const COMMANDS = [['runs'], ['streams', 'list'], ['identities'], ['workspace', 'prices']];

export interface CliBenchResult {
  runsEach: number;
  /** The first command's, which creates and migrates the warehouse. */
  firstCommandMs: number;
  medianMs: Record<string, number>;
}

export function benchCli(runsEach = 5): CliBenchResult {
  const dataDir = mkdtempSync(join(tmpdir(), 'bbetl-bench-cli-'));
  const { WAREHOUSE, PGLITE_DIR, DATABASE_URL, ...inherited } = process.env;
  const env = { ...inherited, BBETL_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  const run = (args: string[]) => {
    const started = performance.now();
    const done = spawnSync(BBETL, args, { env, encoding: 'utf8' });
    if (done.status !== 0) throw new Error(`bbetl ${args.join(' ')} exited ${done.status}: ${done.stderr}`);
    return Math.round(performance.now() - started);
  };
  try {
    const firstCommandMs = run(['runs']);
    const medianMs: Record<string, number> = {};
    for (const args of COMMANDS)
      medianMs[`bbetl ${args.join(' ')}`] = median(Array.from({ length: runsEach }, () => run(args))) ?? 0;
    return { runsEach, firstCommandMs, medianMs };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
