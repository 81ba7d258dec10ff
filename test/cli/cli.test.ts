// The `bbetl` CLI end to end: real child processes against a real sandbox and the test run's
// Temporal dev server, each command on its embedded defaults (PGlite in a temporary data dir).
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/net';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import { temporalAddress, temporalAvailable, temporalClient, uniqueTaskQueue } from '../support/temporal';
import { bbetl, cliDataDir, cliEnv, startBbetl } from './run';

const PROGRESS_LINE =
  /windows \d+\/\d+ · repositories \d+ · records \d+ · requests \d+ · 429s \d+ · errors \d+/;

describe.skipIf(!temporalAvailable())('bbetl CLI', () => {
  let sb: Sandbox;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    sb = await startSandbox({ scale: 'tiny', rateLimitPerHour: 1_000_000 });
    dataDir = cliDataDir('bbetl-cli-');
    env = cliEnv(sb, dataDir, temporalAddress(), uniqueTaskQueue('cli'));
  });
  afterAll(async () => {
    await sb?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('connects, backfills with a worker hosted by the command, and lists the run in the ledger', async () => {
    const connect = await bbetl(['connect', '--client-credentials'], env);
    expect(connect.stderr).toBe('');
    expect(connect.code).toBe(0);
    expect(connect.stdout).toContain('connection default: connected (client_credentials)');
    expect(connect.stdout).toContain('workspaces: acme');
    expect(connect.stdout).not.toMatch(/token:|Bearer/i);

    // No worker polls this test's task queue: the command runs one for as long as it waits.
    const backfill = await bbetl(
      ['backfill', '--workspace', 'acme', '--since', '2025-01-01', '--window-days', '120', '--wait'],
      env,
    );
    expect(backfill.code, backfill.stderr).toBe(0);
    expect(backfill.stdout).toMatch(/started backfill backfill:default:acme:2025-01-01T00:00:00Z:\S+Z\n/);
    expect(backfill.stdout).toMatch(PROGRESS_LINE);
    expect(backfill.stdout).toMatch(/backfill \S+ completed in \d+s: records [1-9]\d* · requests [1-9]/);

    const runs = await bbetl(['runs', '--json'], env);
    expect(runs.code, runs.stderr).toBe(0);
    const ledger = JSON.parse(runs.stdout) as Array<Record<string, unknown>>;
    const run = ledger.find((r) =>
      String(r.workflowId).startsWith('backfill:default:acme:2025-01-01T00:00:00Z:'),
    );
    expect(run).toMatchObject({
      kind: 'backfill',
      status: 'completed',
      connectionId: 'default',
      workspace: 'acme',
    });
    expect(run?.records).toBeGreaterThan(0);

    const table = await bbetl(['runs', '--limit', '5'], env);
    expect(table.stdout).toMatch(/^started\s+kind\s+connection\s+workspace\s+status\s+records/);
    expect(table.stdout).toMatch(/backfill\s+default\s+acme\s+completed\s+[1-9]/);
  }, 180_000);

  it('creates, lists, describes and deletes the schedule of a connection', async () => {
    const connection = `cli-${process.pid}`;
    const id = `incremental:${connection}`;
    const create = await bbetl(['schedule', 'create', '--connection', connection, '--every', '2h'], env);
    expect(create.code, create.stderr).toBe(0);
    expect(create.stdout).toContain(`created schedule ${id}: incrementalSync every 2h`);

    const again = await bbetl(['schedule', 'create', '--connection', connection], env);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain(`schedule ${id} exists already`);

    const list = await bbetl(['schedule', 'list', '--connection', connection], env);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+2h\\s+no\\s+\\d{4}-`));

    const describe = await bbetl(['schedule', 'describe', '--connection', connection], env);
    expect(describe.code, describe.stderr).toBe(0);
    expect(describe.stdout).toContain(`schedule ${id}`);
    expect(describe.stdout).toContain(`incrementalSync({"connectionId":"${connection}"})`);
    expect(describe.stdout).toMatch(/every\s+2h \(overlap SKIP\)/);

    const deleted = await bbetl(['schedule', 'delete', '--connection', connection], env);
    expect(deleted.code, deleted.stderr).toBe(0);
    const gone = await bbetl(['schedule', 'describe', '--connection', connection], env);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain(`there is no schedule ${id}`);
  }, 120_000);

  it('pauses, resumes and cancels a running backfill, and attaches to it when started twice', async () => {
    // A task queue no worker polls: the backfill stays running while the test signals it.
    const idle = { ...env, TEMPORAL_TASK_QUEUE: uniqueTaskQueue('cli-idle') };
    const args = ['backfill', '--workspace', 'acme', '--since', '2026-01-01', '--until', '2026-02-01'];
    const start = await bbetl(args, idle);
    expect(start.code, start.stderr).toBe(0);
    const workflowId = 'backfill:default:acme:2026-01-01T00:00:00Z:2026-02-01T00:00:00Z';
    expect(start.stdout).toContain(`started backfill ${workflowId}`);
    expect(start.stderr).toContain('no worker polls task queue');
    expect((await bbetl(args, idle)).stdout).toContain(`attached to the running backfill ${workflowId}`);

    const pick = ['--workspace', 'acme', '--since', '2026-01-01', '--until', '2026-02-01'];
    for (const [action, said] of [
      ['pause', 'pause requested'],
      ['resume', 'resume requested'],
      ['cancel', 'cancel requested'],
    ] as const) {
      const result = await bbetl(['backfill', action, ...pick], idle);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`${said}: ${workflowId}`);
    }
    const client = await temporalClient();
    try {
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      const signals = (history.events ?? []).flatMap((e) =>
        e.workflowExecutionSignaledEventAttributes
          ? [e.workflowExecutionSignaledEventAttributes.signalName]
          : [],
      );
      expect(signals).toEqual(['pause', 'resume']);
      expect(history.events?.some((e) => e.workflowExecutionCancelRequestedEventAttributes)).toBe(true);
    } finally {
      await client.connection.close();
    }
    const none = await bbetl(['backfill', 'pause', '--workspace', 'nowhere'], idle);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('no backfill of nowhere (connection default) is running');
  }, 120_000);

  it('rejects bad input with a message that says what to fix', async () => {
    const cases: Array<[string[], string]> = [
      [['backfill', '--since', '2025-01-01'], "required option '--workspace <slug>' not specified"],
      [
        ['backfill', '--workspace', 'acme', '--since', 'notadate'],
        "option '--since <date>' argument 'notadate' is invalid. expected a date like 2025-01-01",
      ],
      [['backfill', '--workspace', 'acme', '--since', '2025-01-01', '--bogus'], "unknown option '--bogus'"],
      [
        ['backfill', '--workspace', 'acme', '--since', '2025-02-01', '--until', '2025-01-01'],
        '--since (2025-02-01T00:00:00Z) must be before --until (2025-01-01T00:00:00Z)',
      ],
      [['backfill', '--workspace', 'ac:me', '--since', '2025-01-01'], 'expected a workspace slug'],
      [['backfill', '--workspace', 'acme', '--since', '2025-01-01', '--window-days', '0'], 'from 1 to 366'],
      [['schedule', 'create', '--every', '5s'], 'expected a duration of at least 1m'],
      [['runs', '--limit', 'ten'], 'expected a whole number from 1 to 1000'],
      [['connect'], 'bbetl connect needs --client-credentials'],
    ];
    const results = await Promise.all(cases.map(([args]) => bbetl(args, env)));
    results.forEach((result, i) => {
      const [args, message] = cases[i] as [string[], string];
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.code, args.join(' ')).not.toBeNull();
      expect(result.stderr, args.join(' ')).toContain(message);
    });
    const { BITBUCKET_CLIENT_ID, BITBUCKET_CLIENT_SECRET, ...noConsumer } = env;
    const connect = await bbetl(['connect', '--client-credentials'], noConsumer);
    expect(connect.code).not.toBe(0);
    expect(connect.stderr).toContain('set BITBUCKET_CLIENT_ID and BITBUCKET_CLIENT_SECRET');
  }, 120_000);

  it('tells a second process that the embedded warehouse is in use, and stops the worker on SIGTERM', async () => {
    // The worker starts from workflow code bundled ahead, as a production image would ship it.
    const bundle = join(dataDir, 'workflows.js');
    const written = await bbetl(['worker', '--write-bundle', bundle], env);
    expect(written.code, written.stderr).toBe(0);
    expect(written.stdout).toContain(`set TEMPORAL_WORKFLOW_BUNDLE=${bundle}`);
    expect(readFileSync(bundle, 'utf8')).toContain('incrementalSync');
    const workerEnv = {
      ...env,
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('cli-worker'),
      TEMPORAL_WORKFLOW_BUNDLE: bundle,
    };
    const worker = startBbetl(['worker'], workerEnv);
    try {
      await worker.waitFor('worker polling task queue');
      // The executable's heap cap (scripts/bbetl.mjs) applies: V8 (young generation included)
      // allows about 1,072 MB, not Node's default of up to 4 GB.
      const heapMb = Number(/heap at most (\d+) MB/.exec(worker.output())?.[1]);
      expect(heapMb).toBeGreaterThan(1024);
      expect(heapMb).toBeLessThan(1200);
      const runs = await bbetl(['runs'], workerEnv);
      expect(runs.code).not.toBe(0);
      expect(runs.stderr).toMatch(
        new RegExp(
          `the embedded warehouse at ${join(dataDir, 'pglite')} is in use by process ${worker.child.pid} \\(bbetl worker, since .*\\); stop it or run this command through it`,
        ),
      );
    } finally {
      worker.child.kill('SIGTERM');
    }
    const stopped = await worker.finished;
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toContain('worker stopped');
    // The lock went with the worker: the ledger opens again.
    expect((await bbetl(['runs'], env)).code).toBe(0);
  }, 120_000);

  it('serves the web app with a worker in the same process (PGlite is one process), and stops on SIGTERM', async () => {
    const noWorker = await bbetl(['web', '--no-worker'], env);
    expect(noWorker.code).toBe(2);
    expect(noWorker.stderr).toContain('--no-worker needs a warehouse other processes can open');

    const port = await freePort();
    const webEnv = {
      ...env,
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('cli-web'),
    };
    const web = startBbetl(['web'], webEnv);
    try {
      await web.waitFor('worker polling task queue');
      expect(web.child.pid).toBeGreaterThan(0);
      expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ ok: true });
      const login = await fetch(`http://127.0.0.1:${port}/login`);
      expect(login.status).toBe(200);
      expect(await login.text()).toContain('Sign in');
    } finally {
      web.child.kill('SIGTERM');
    }
    const stopped = await web.finished;
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toContain(`web app on http://127.0.0.1:${port}`);
  }, 120_000);
});
