// Runs test/support/workerProcess.ts as a child process: a worker a test can SIGKILL.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { type PipelineFixture, pipelineEnv } from './pipeline';

const workerScript = fileURLToPath(new URL('./workerProcess.ts', import.meta.url));

/** The environment of a worker child serving `taskQueue` for a Postgres pipeline fixture. */
export function workerChildEnv(
  ctx: PipelineFixture,
  temporal: { address: string; taskQueue: string },
): Record<string, string> {
  if (ctx.wh.config.engine !== 'postgres') throw new Error('worker children run on Postgres only');
  return {
    ...pipelineEnv(ctx.sb),
    DATABASE_URL: ctx.wh.config.url,
    TEST_SCHEMA_PREFIX: ctx.wh.config.schemaPrefix ?? '',
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: temporal.taskQueue,
    TEMPORAL_WORKFLOW_BUNDLE: inject('shortHeartbeatBundlePath'),
  };
}

/** Resolves once the child's worker polls its task queue. */
export function startWorkerChild(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn('node', ['--import', 'tsx', workerScript], {
    env: { ...process.env, ...env },
    // The IPC channel is only there so that the child sees this process go (workerProcess.ts).
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
}

/** SIGKILL, and wait until the process is gone. */
export async function killWorkerChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
}
