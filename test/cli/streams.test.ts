// `bbetl streams` as a user runs it (child processes on the embedded warehouse in a temporary data
// dir): the list with why each stream is on or off, turning streams on and off for a connection,
// BBETL_STREAMS under a connection's own setting, and what is refused (exit 2).
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bbetl, cliDataDir } from './run';

/** stream → [on|off, why], from the listing's table. */
function listed(stdout: string): Record<string, [string, string]> {
  const rows = [...stdout.matchAll(/^([a-z_]+) {2,}(on|off) {2,}(.+)$/gm)];
  return Object.fromEntries(rows.map((m) => [m[1], [m[2], m[3]]])) as Record<string, [string, string]>;
}

describe('bbetl streams', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    dataDir = cliDataDir('bbetl-cli-streams-');
    const { WAREHOUSE, PGLITE_DIR, DATABASE_URL, BBETL_STREAMS, ...inherited } = process.env;
    env = { ...inherited, BBETL_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  });
  afterAll(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists every stream with why it is on or off, and turns streams on and off per connection', async () => {
    const fresh = await bbetl(['streams'], env);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stdout).toContain('connection default: 17 of 19 streams read');
    const defaults = listed(fresh.stdout);
    expect(Object.keys(defaults)).toHaveLength(19);
    expect(defaults.pipeline_steps).toEqual(['off', 'default: no mart reads it']);
    expect(defaults.branches).toEqual(['off', 'default: no mart reads it']);
    expect(defaults.commits).toEqual(['on', 'default']);

    const on = await bbetl(['streams', 'on', 'pipeline_steps', '--connection', 'ci'], env);
    expect(on.code, on.stderr).toBe(0);
    expect(listed(on.stdout)).toEqual({ pipeline_steps: ['on', 'set for this connection'] });
    expect(on.stdout).toContain('no connection "ci" yet: these settings apply once it is connected');
    const ci = listed((await bbetl(['streams', '--connection', 'ci'], env)).stdout);
    expect(ci.pipeline_steps).toEqual(['on', 'set for this connection']);
    // Another connection keeps the defaults.
    expect(listed((await bbetl(['streams'], env)).stdout).pipeline_steps?.[0]).toBe('off');

    // BBETL_STREAMS changes the defaults; the connection's own setting wins over it.
    const configured = listed(
      (
        await bbetl(['streams', '--connection', 'ci'], {
          ...env,
          BBETL_STREAMS: '-pipeline_steps,-deployments',
        })
      ).stdout,
    );
    expect(configured.deployments).toEqual(['off', 'BBETL_STREAMS']);
    expect(configured.pipeline_steps).toEqual(['on', 'set for this connection']);

    const reset = await bbetl(['streams', 'reset', 'pipeline_steps', '--connection', 'ci'], env);
    expect(reset.code, reset.stderr).toBe(0);
    expect(listed(reset.stdout)).toEqual({ pipeline_steps: ['off', 'default: no mart reads it'] });
  }, 120_000);

  it('refuses unknown streams and a stream left on under a parent that is off, changing nothing (exit 2)', async () => {
    const unknown = await bbetl(['streams', 'on', 'pipeline_step', 'branches'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /unknown stream "pipeline_step"; the streams are: workspaces, .*pipeline_steps/,
    );
    expect(listed((await bbetl(['streams'], env)).stdout).branches?.[0]).toBe('off');

    const orphan = await bbetl(['streams', 'off', 'pullrequests', '--connection', 'prs'], env);
    expect(orphan.code).toBe(2);
    expect(orphan.stderr).toContain(
      'pr_activity, pr_comments, pr_commits, pr_tasks are read under pullrequests, which is off',
    );
    expect(orphan.stderr).toContain(
      'turn its streams off too: bbetl streams off pullrequests pr_activity pr_comments pr_commits pr_tasks --connection prs',
    );
    expect(listed((await bbetl(['streams', '--connection', 'prs'], env)).stdout).pullrequests?.[0]).toBe(
      'on',
    );

    const both = await bbetl(
      [
        'streams',
        'off',
        'pullrequests',
        'pr_activity',
        'pr_comments',
        'pr_commits',
        'pr_tasks',
        '--connection',
        'prs',
      ],
      env,
    );
    expect(both.code, both.stderr).toBe(0);

    await bbetl(['streams', 'off', 'pipelines'], env);
    const child = await bbetl(['streams', 'on', 'pipeline_steps'], env);
    expect(child.code).toBe(2);
    expect(child.stderr).toContain('turn the parent on too: bbetl streams on pipelines pipeline_steps');
  }, 120_000);
});
