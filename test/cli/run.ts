// Runs the real `bbetl` executable as a child process, as a user would.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import type { Sandbox } from '../../sandbox/index';
import { copyPgliteTemplate } from '../support/warehouse';

/**
 * A temporary BBETL_DATA_DIR whose embedded warehouse is initialised but empty (not migrated), as
 * after a user's first command: the run's template copied, rather than a fresh initdb per file.
 */
export function cliDataDir(prefix: string): string {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  copyPgliteTemplate(join(dataDir, 'pglite'));
  return dataDir;
}

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  /** Resolves once stdout contains `text`; rejects if the process ends first. */
  waitFor(text: string): Promise<void>;
  finished: Promise<Finished>;
  /** What it printed to stdout so far. */
  output(): string;
}

export function startBbetl(args: string[], env: NodeJS.ProcessEnv): Running {
  // Workflow code bundled once for the run (globalSetup.ts), as a production worker may have it.
  const withBundle = { TEMPORAL_WORKFLOW_BUNDLE: inject('workflowBundlePath'), ...env };
  // The executable itself, so the Node options its sh line passes (the heap cap) apply as for a user.
  const child = spawn(join(projectRoot, 'scripts', 'bbetl.mjs'), args, {
    cwd: projectRoot,
    env: withBundle,
  });
  let stdout = '';
  let stderr = '';
  const watchers: Array<() => void> = [];
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    for (const check of watchers) check();
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const finished = new Promise<Finished>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return {
    child,
    finished,
    output: () => stdout,
    waitFor: (text) =>
      new Promise((resolve, reject) => {
        const check = () => stdout.includes(text) && resolve();
        watchers.push(check);
        check();
        finished.then(({ code }) =>
          reject(new Error(`bbetl ${args.join(' ')} exited (${code}) before printing "${text}":\n${stderr}`)),
        );
      }),
  };
}

/** Runs bbetl to the end; `input` is written to its stdin (which is then closed). */
export function bbetl(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Finished> {
  const run = startBbetl(args, env);
  run.child.stdin?.end(input ?? '');
  return run.finished;
}

/**
 * The environment of a bbetl command on its embedded defaults (PGlite in `dataDir`) against this
 * sandbox, on the test run's Temporal server at `temporalAddress`.
 */
export function cliEnv(
  sb: Sandbox,
  dataDir: string,
  temporalAddress: string,
  taskQueue: string,
): NodeJS.ProcessEnv {
  const { WAREHOUSE, PGLITE_DIR, TEMPORAL_CLI_PATH, ...inherited } = process.env;
  return {
    ...inherited,
    BBETL_DATA_DIR: dataDir,
    BBETL_SECRET_KEY: randomBytes(32).toString('base64'),
    BITBUCKET_CLIENT_ID: sb.urls.clientId,
    BITBUCKET_CLIENT_SECRET: sb.urls.clientSecret,
    BITBUCKET_API_URL: sb.urls.apiUrl,
    BITBUCKET_OAUTH_URL: sb.urls.oauthUrl,
    BITBUCKET_RATE_LIMIT_PER_HOUR: '1000000',
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    LOG_LEVEL: 'warn',
  };
}
