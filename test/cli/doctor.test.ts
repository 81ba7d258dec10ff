// `bbetl doctor` as a user runs it: a child process against a real sandbox consumer, the test
// run's Temporal dev server and an embedded warehouse; then with one thing broken at a time.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/net';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import { checkCli } from '../../scripts/commands/doctor/cli';
import { WarehouseConnectionStore } from '../../warehouse/connections';
import { openWarehouse, type WarehouseEngine } from '../../warehouse/engine';
import { finishRun, startRun } from '../../warehouse/ledger';
import { temporalAddress, temporalAvailable, uniqueTaskQueue } from '../support/temporal';
import { bbetl, cliDataDir } from './run';

/** The check lines of the text report, by name: status and detail. */
function checkLines(stdout: string): Map<string, { status: string; detail: string }> {
  const lines = new Map<string, { status: string; detail: string }>();
  for (const match of stdout.matchAll(/^(ok|WARN|FAIL) {2,}(\S+(?: \S+)*?) {2,}(.*)$/gm)) {
    lines.set(match[2] as string, { status: match[1] as string, detail: match[3] as string });
  }
  return lines;
}

describe.skipIf(!temporalAvailable())('bbetl doctor', () => {
  let sb: Sandbox;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  const withWarehouse = async <T>(work: (db: WarehouseEngine) => Promise<T>): Promise<T> => {
    const db = await openWarehouse({ engine: 'pglite', dir: join(dataDir, 'pglite') });
    try {
      return await work(db);
    } finally {
      await db.close();
    }
  };

  const recordSync = (finishedAt: Date) =>
    withWarehouse(async (db) => {
      const runId = `sync-${finishedAt.getTime()}`;
      const startedAt = new Date(finishedAt.getTime() - 60_000);
      await startRun(db, {
        runId,
        connectionId: 'default',
        kind: 'incremental',
        workspace: 'acme',
        startedAt,
      });
      await finishRun(db, { runId, status: 'completed', finishedAt, records: 3 });
    });

  beforeAll(async () => {
    sb = await startSandbox({ scale: 'tiny', rateLimitPerHour: 1_000_000 });
    dataDir = cliDataDir('bbetl-doctor-');
    const { WAREHOUSE, PGLITE_DIR, DATABASE_URL, TEMPORAL_CLI_PATH, ...inherited } = process.env;
    env = {
      ...inherited,
      BBETL_DATA_DIR: dataDir,
      BBETL_SECRET_KEY: randomBytes(32).toString('base64'),
      BITBUCKET_CLIENT_ID: sb.urls.clientId,
      BITBUCKET_CLIENT_SECRET: sb.urls.clientSecret,
      BITBUCKET_API_URL: sb.urls.apiUrl,
      BITBUCKET_OAUTH_URL: sb.urls.oauthUrl,
      TEMPORAL_ADDRESS: temporalAddress(),
      // No worker polls it: the workers check warns.
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('doctor'),
      PUBLIC_URL: 'https://bbetl.example.com',
      SYNC_INTERVAL_MINUTES: '60',
      LOG_LEVEL: 'warn',
    };
    const connect = await bbetl(['connect', '--client-credentials'], env);
    expect(connect.code, connect.stderr).toBe(0);
  });
  afterAll(async () => {
    await sb?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('passes a healthy setup, warning of no worker polling and of a workspace never or long not synced', async () => {
    const fresh = await bbetl(['doctor'], env);
    expect(fresh.code, fresh.stdout + fresh.stderr).toBe(0);
    const lines = checkLines(fresh.stdout);
    expect([...lines.keys()]).toEqual([
      'cli',
      'config',
      'temporal',
      'temporal namespace',
      'temporal workers',
      'warehouse',
      'migrations',
      'connection default',
      'streams default',
      'freshness default/acme',
      'oauth client',
    ]);
    for (const [name, line] of lines) {
      const expected = ['temporal workers', 'freshness default/acme'].includes(name) ? 'WARN' : 'ok';
      expect(line.status, `${name}: ${line.detail}`).toBe(expected);
    }
    expect(lines.get('warehouse')?.detail).toBe(`connected to PGlite at ${join(dataDir, 'pglite')}`);
    expect(lines.get('connection default')?.detail).toContain('connected (client_credentials grant)');
    expect(lines.get('streams default')?.detail).toMatch(
      /^17 of 19 read: workspaces, .*; off: branches \(default: no mart reads it\), pipeline_steps \(default: no mart reads it\)$/,
    );
    expect(lines.get('freshness default/acme')?.detail).toBe('never synced');
    expect(fresh.stdout).toContain('→ fix: sync it now: `bbetl sync --wait`');
    // (globalSetup built the bundle from the sources as they are)
    expect(lines.get('cli')?.detail).toBe('runs its bundle (.build/cli), built from the sources as they are');
    expect(fresh.stdout).toMatch(/^9 ok, 2 warnings, 0 failed$/m);

    // Three hours ago: stale after two 60-minute intervals, fresh after two 120-minute ones.
    await recordSync(new Date(Date.now() - 3 * 3_600_000));
    const stale = checkLines((await bbetl(['doctor'], env)).stdout).get('freshness default/acme');
    expect(stale?.status).toBe('WARN');
    expect(stale?.detail).toMatch(
      /^stale: last synced 3 hours ago \(\S+Z\), more than 2 sync intervals \(120 min\) ago$/,
    );

    const json = await bbetl(['doctor', '--json'], { ...env, SYNC_INTERVAL_MINUTES: '120' });
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as { ok: boolean; checks: Array<Record<string, string>> };
    expect(report.ok).toBe(true);
    expect(report.checks.filter((c) => c.status !== 'ok').map((c) => c.name)).toEqual(['temporal workers']);
    expect(report.checks.find((c) => c.name === 'freshness default/acme')?.detail).toBe(
      'last synced 3 hours ago',
    );

    // A running bbetl holds the embedded warehouse: normal, so a warning that names it.
    const held = await withWarehouse(() => bbetl(['doctor'], env));
    expect(held.code).toBe(0);
    expect(checkLines(held.stdout).get('warehouse')).toEqual({
      status: 'WARN',
      detail: expect.stringContaining(`is in use by process ${process.pid}`),
    });
  }, 60_000);

  it('warns of a stream the connection turned on under a parent BBETL_STREAMS turns off', async () => {
    const on = await bbetl(['streams', 'on', 'pipeline_steps'], env);
    expect(on.code, on.stderr).toBe(0);
    try {
      const result = await bbetl(['doctor'], { ...env, BBETL_STREAMS: '-pipelines' });
      expect(checkLines(result.stdout).get('streams default')).toEqual({
        status: 'WARN',
        detail: expect.stringMatching(
          /^pipeline_steps is read under pipelines, which is off: not read\. 16 of 19 read/,
        ),
      });
      expect(result.stdout).toContain('→ fix: turn the parent on (`bbetl streams on <parent>`)');
    } finally {
      await bbetl(['streams', 'reset', 'pipeline_steps'], env);
    }
  }, 60_000);

  it('reports a stopped Postgres, a bad client secret and a silent Temporal, with the fix for each and without secrets', async () => {
    const pgPort = await freePort();
    const temporal = `127.0.0.1:${await freePort()}`;
    const secret = `wrong-${randomBytes(8).toString('hex')}`;
    const broken = await bbetl(['doctor'], {
      ...env,
      WAREHOUSE: 'postgres',
      DATABASE_URL: `postgres://bbetl:db-password@127.0.0.1:${pgPort}/bbetl`,
      BITBUCKET_CLIENT_SECRET: secret,
      TEMPORAL_ADDRESS: temporal,
    });
    expect(broken.code).toBe(1);
    const lines = checkLines(broken.stdout);
    expect(lines.get('warehouse')).toEqual({
      status: 'FAIL',
      detail: expect.stringMatching(
        new RegExp(`^cannot connect to Postgres at 127\\.0\\.0\\.1:${pgPort}/bbetl: .*ECONNREFUSED`),
      ),
    });
    expect(broken.stdout).toContain(
      `→ fix: start Postgres at 127.0.0.1:${pgPort} or correct DATABASE_URL (postgres://user:password@host:5432/db)`,
    );
    expect(lines.get('oauth client')).toEqual({
      status: 'FAIL',
      detail: `Bitbucket rejected consumer ${sb.urls.clientId} at ${sb.urls.oauthUrl}/access_token (invalid_client)`,
    });
    expect(broken.stdout).toContain(
      '→ fix: check BITBUCKET_CLIENT_SECRET (and BITBUCKET_CLIENT_ID): Bitbucket rejected the consumer key/secret (invalid_client)',
    );
    expect(lines.get('temporal')).toEqual({
      status: 'FAIL',
      detail: expect.stringContaining(`cannot reach Temporal at ${temporal} (TEMPORAL_ADDRESS)`),
    });
    expect(broken.stdout).toContain(`→ fix: start Temporal at ${temporal} or correct TEMPORAL_ADDRESS`);
    expect(broken.stdout).toMatch(/^2 ok, 0 warnings, 3 failed$/m);
    for (const text of [broken.stdout, broken.stderr]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain('db-password');
    }
  }, 30_000);

  it('says when the CLI runs its TypeScript through tsx, and how to bundle it', () => {
    expect(checkCli('tsx: not built (/srv/bbetl/.build/cli)')).toEqual({
      status: 'warn',
      name: 'cli',
      detail:
        'runs its TypeScript through tsx, slower to start each command (bundle: not built (/srv/bbetl/.build/cli))',
      fix: '`npm run build` (`npm ci` builds it too)',
    });
    expect(checkCli(undefined).status).toBe('ok');
  });

  it('lists every configuration problem as a failed check', async () => {
    const result = await bbetl(['doctor'], { ...env, TEMPORAL_ADDRESS: 'temporal', PORT: 'eighty' });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^FAIL {2}config {2}2 problem\(s\):$/m);
    expect(result.stdout).toContain('- PORT="eighty" is invalid; expected a port number 0-65535');
    expect(result.stdout).toContain('- TEMPORAL_ADDRESS="temporal" is invalid; expected host:port');
  }, 30_000);

  it('fails a connection that needs a reconnect, saying where to reconnect', async () => {
    await withWarehouse((db) =>
      new WarehouseConnectionStore(db).setStatus(
        'default',
        'reconnect_required',
        'the refresh token is no longer valid (invalid_grant): reconnect required',
      ),
    );
    const result = await bbetl(['doctor'], env);
    expect(result.code).toBe(1);
    const lines = checkLines(result.stdout);
    expect(lines.get('connection default')).toEqual({
      status: 'FAIL',
      detail: expect.stringMatching(
        /^reconnect required since \S+Z: the refresh token is no longer valid \(invalid_grant\)/,
      ),
    });
    // Freshness is not judged for a connection that cannot sync.
    expect(lines.has('freshness default/acme')).toBe(false);
    expect(result.stdout).toContain(
      '→ fix: open https://bbetl.example.com/connections and click Reconnect, or run `bbetl connect --client-credentials`',
    );
  }, 30_000);
});
