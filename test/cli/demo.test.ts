// `bbetl demo` as a newcomer runs it, in a child process on its own data dir: the consent flow and
// a backfill the first time, an incremental sync the second (headless), a summary that equals the
// marts, and Ctrl-C leaving no process behind (the embedded Temporal dev server included).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/net';
import { pidAlive } from '../../lib/pidFile';
import { openWarehouse, type WarehouseEngine } from '../../warehouse/engine';
import { DEV_SERVER_STATE_FILE } from '../../worker/devServer';
import { temporalAvailable } from '../support/temporal';
import { bbetl, startBbetl } from './run';

const num = (v: unknown) => Number(v).toLocaleString('en-US');

/** The summary's figures, computed here from the marts with SQL of the test's own. */
async function expectedLines(db: WarehouseEngine): Promise<string[]> {
  const m = (name: string) => db.table('marts', name);
  const [{ as_of } = { as_of: '' }] = await db.query<{ as_of: string }>(
    `select cast(max(date_day) as text) as as_of from ${m('dim_date')}`,
  );
  const [ws] = await db.query<{ workspace_name: string }>(
    `select workspace_name from ${m('dim_workspaces')} where workspace_slug = 'acme'`,
  );
  const [seats] = await db.query(
    `select seats, active_users_30d, idle_seats_30d from ${m('fct_seat_utilization_daily')} where date_day = $1`,
    [as_of],
  );
  const features = await db.query<{ feature: string; events: string }>(
    `select feature, sum(events) as events from ${m('fct_feature_usage_daily')}
     where activity_date > cast($1 as date) - 30 and activity_date <= cast($1 as date)
     group by feature order by sum(events) desc, feature limit 3`,
    [as_of],
  );
  const [pipelines] = await db.query(
    `select sum(runs) as runs, round(sum(build_minutes)) as minutes from ${m('fct_pipeline_usage_daily')}
     where run_date > cast($1 as date) - 30 and run_date <= cast($1 as date)`,
    [as_of],
  );
  const [cycle] = await db.query(
    `select count(*) as merged, percentile_cont(0.5) within group (order by cycle_hours) as median_hours
     from ${m('fct_pull_requests')}
     where merged_at >= cast($1 as date) - 89 and merged_at < cast($1 as date) + 1`,
    [as_of],
  );
  return [
    `Summary (data as of ${as_of}):`,
    `  ${ws?.workspace_name} (acme): ${num(seats?.seats)} seats · ${num(seats?.active_users_30d)} active users (30 days) · ${num(seats?.idle_seats_30d)} idle seats`,
    `    top features (30 days): ${features.map((f) => `${f.feature} ${num(f.events)}`).join(' · ')}`,
    `    PR cycle time (90 days): median ${Number(cycle?.median_hours).toFixed(1)} h over ${num(cycle?.merged)} merged pull requests`,
    `    pipelines (30 days): ${num(pipelines?.minutes)} build minutes in ${num(pipelines?.runs)} runs`,
  ];
}

describe.skipIf(!temporalAvailable())('bbetl demo', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'bbetl-demo-'));
    const { WAREHOUSE, PGLITE_DIR, DATABASE_URL, TEMPORAL_ADDRESS, ...inherited } = process.env;
    env = {
      ...inherited,
      BBETL_DATA_DIR: dataDir,
      PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
    };
  });
  afterAll(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('connects through the consent flow, backfills, and prints a summary equal to the marts', async () => {
    const started = Date.now();
    const demo = await bbetl(['demo', '--exit', '--scale', 'tiny'], env);
    expect(demo.code, demo.stderr).toBe(0);
    console.log(
      `demo (tiny, first run) took ${Math.round((Date.now() - started) / 1000)} s:\n${demo.stdout}`,
    );
    expect(demo.stdout).toContain('connected (OAuth consent flow)');
    expect(demo.stdout).toMatch(/^backfill backfill:default:acme:\S+Z:\S+Z$/m);
    expect(demo.stdout).toMatch(/^windows 1\/1 · repositories 3 · records [1-9]/m);
    expect(demo.stdout).toMatch(new RegExp(`Dashboard: +http://localhost:${env.PORT}/dashboard`));
    expect(demo.stdout).toMatch(/Temporal UI: +http:\/\/127\.0\.0\.1:\d+/);
    const db = await openWarehouse({ engine: 'pglite', dir: join(dataDir, 'pglite') });
    try {
      for (const line of await expectedLines(db)) expect(demo.stdout).toContain(line);
    } finally {
      await db.close();
    }
  }, 300_000);

  it('runs an incremental sync the second time (headless), and Ctrl-C leaves no process behind', async () => {
    const demo = startBbetl(['demo', '--headless', '--scale', 'tiny'], env);
    await demo.waitFor('serving until Ctrl-C');
    const { pid: serverPid } = JSON.parse(readFileSync(join(dataDir, DEV_SERVER_STATE_FILE), 'utf8'));
    expect(pidAlive(serverPid)).toBe(true);
    expect((await fetch(`http://localhost:${env.PORT}/login`)).status).toBe(200);
    demo.child.kill('SIGINT');
    const stopped = await demo.finished;
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toContain('connected (client credentials)');
    expect(stopped.stdout).toContain('incremental sync sync:default:acme');
    expect(stopped.stdout).not.toMatch(/^backfill /m);
    expect(stopped.stdout).toContain('Summary (data as of');
    expect(stopped.stderr).toContain('SIGINT: shutting down');
    expect(pidAlive(serverPid)).toBe(false);
    await expect(fetch(`http://localhost:${env.PORT}/login`)).rejects.toThrow();
  }, 300_000);
});
