// Starts ONE Temporal dev server for the whole test run and hands its address to the tests.
import { createServer } from 'node:net';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TestProject } from 'vitest/node';
import { devServerExecutable } from '../../worker/temporalCli';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export default async function setup(project: TestProject) {
  let env: TestWorkflowEnvironment | undefined;
  try {
    const port = await freePort();
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: devServerExecutable(),
        ip: '127.0.0.1',
        port,
        extraArgs: ['--log-level', 'error'],
      },
    });
    project.provide('temporalAddress', env.address);
    project.provide('temporalSkipReason', null);
  } catch (err) {
    const reason = `could not start the Temporal dev server (${String(err).split('\n')[0]}); run scripts/provision.sh or set TEMPORAL_CLI_PATH`;
    project.provide('temporalAddress', null);
    project.provide('temporalSkipReason', reason);
  }
  return async () => {
    await env?.teardown();
  };
}
