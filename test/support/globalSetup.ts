// Once for the whole test run: ONE Temporal dev server, the workflow code bundled once (every
// test worker would otherwise run webpack again: seconds of CPU each, on two cores), the command
// line's bundle when the sources changed since it was built (npm ci builds it; without it each of
// the CLI tests' hundred-odd `bbetl` processes would compile its TypeScript through tsx), and one
// initialised PGlite data directory that test warehouses start as copies of (initdb in WASM costs
// about 5 s of CPU; a copy, a few milliseconds).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TestProject } from 'vitest/node';
import { ensureCliBundle } from '../../scripts/cliBundle.mjs';
import { openWarehouse } from '../../warehouse/engine';
import { devServerExecutable } from '../../worker/temporalCli';
import { writeWorkflowBundle } from '../../worker/worker';

const SHORT_HEARTBEATS = fileURLToPath(new URL('./shortHeartbeats.ts', import.meta.url));

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

/** The production workflow code, and the same with the kill tests' short heartbeat timeouts. */
async function bundleWorkflows(dir: string) {
  const write = async (name: string, interceptorModules: string[]) => {
    const codePath = join(dir, name);
    await writeWorkflowBundle(codePath, interceptorModules);
    return codePath;
  };
  return {
    workflowBundlePath: await write('workflows.js', []),
    shortHeartbeatBundlePath: await write('workflows-short-heartbeats.js', [SHORT_HEARTBEATS]),
  };
}

export default async function setup(project: TestProject) {
  await ensureCliBundle();
  const bundleDir = mkdtempSync(join(tmpdir(), 'bbetl-workflows-'));
  const bundles = await bundleWorkflows(bundleDir);
  project.provide('workflowBundlePath', bundles.workflowBundlePath);
  project.provide('shortHeartbeatBundlePath', bundles.shortHeartbeatBundlePath);
  const pgliteTemplateDir = mkdtempSync(join(tmpdir(), 'bbetl-pglite-template-'));
  await (await openWarehouse({ engine: 'pglite', dir: pgliteTemplateDir })).close();
  project.provide('pgliteTemplateDir', pgliteTemplateDir);
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
    rmSync(bundleDir, { recursive: true, force: true });
    rmSync(pgliteTemplateDir, { recursive: true, force: true });
  };
}
