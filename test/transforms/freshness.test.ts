// Which models a whole transform run builds (transforms/freshness.ts), and incremental models built
// by a window (replace_where) whose inputs say which changes they account for, on every engine.
// The project: stg_things (a table over raw members: thing, role, day), dim_roles (its roles),
// fct_role_count (how many roles), fct_things_daily (things per day, rebuilt from the newest day
// on) and fct_role_days (the same per role, reading dim_roles too, which is not one of its inputs).
import { describe, expect, it } from 'vitest';
import { compileModel } from '../../transforms/compile';
import { planRun, type RunOptions, runModels } from '../../transforms/run';
import { loadRecords } from '../../warehouse/raw/load';
import { describeEachWarehouse, useMigratedWarehouse } from '../support/warehouse';
import { pg, tempProjects } from './support';

const tempProject = tempProjects();

const json = (field: string) =>
  `{% if target.type == 'bigquery' %}JSON_VALUE(payload, '$.${field}'){% else %}(payload ->> '${field}'){% endif %}`;

const daily = (by: string, reads: string) => `{{ config(
  materialized='incremental',
  incremental_strategy='replace_where',
  incremental_predicates=['day >= (select max(day) from ' ~ this ~ ')'],
  incremental_inputs=['stg_things']
) }}
select things.day, ${by} count(*) as things, 'computed' as note
from {{ ref('stg_things') }} things ${reads}
{% if is_incremental() %}where things.day >= (select max(day) from {{ this }}){% endif %}
group by things.day ${by ? `, ${by.replace(/,\s*$/, '')}` : ''}`;

const FILES = {
  'staging/stg_things.sql': `{{ config(materialized='table') }}
select record_key as thing, ${json('role')} as role, cast(${json('day')} as date) as day
from {{ source('bitbucket', 'members') }}`,
  'marts/dim_roles.sql': `{{ config(materialized='table') }}
select distinct role from {{ ref('stg_things') }}`,
  'marts/fct_role_count.sql': `{{ config(materialized='table') }}
select count(*) as roles from {{ ref('dim_roles') }}`,
  'marts/fct_things_daily.sql': daily('', ''),
  'marts/fct_role_days.sql': daily(
    'roles.role,',
    `join {{ ref('dim_roles') }} roles on roles.role = things.role`,
  ),
};

describe('incremental configuration', () => {
  it('refuses replace_where without predicates, and inputs the model does not read', () => {
    const bad = (config: string) =>
      tempProject({
        'staging/a.sql': 'select 1 as n',
        'marts/b.sql': `{{ config(materialized='incremental', ${config}) }} select n from {{ ref('a') }}`,
      }).project();
    expect(() => compileModel(pg, bad("incremental_strategy='replace_where'"), 'b')).toThrow(
      `model "b": incremental_strategy='replace_where' needs incremental_predicates`,
    );
    expect(() => compileModel(pg, bad("incremental_strategy='merge'"), 'b')).toThrow(
      'model "b": incremental_strategy must be one of delete+insert, replace_where, got "merge"',
    );
    expect(() => planRun(pg, bad("incremental_inputs=['a', 'c']"))).toThrow(
      'model "b": incremental_inputs "c" is not read by it (directly, or through views and its other inputs)',
    );
  });
});

describeEachWarehouse('a whole run builds what changed', (engine) => {
  const fx = useMigratedWarehouse(engine);
  let n = 0;
  const load = (things: Array<[string, string, string]>) =>
    loadRecords(fx.db, {
      stream: 'members',
      connectionId: 'c1',
      workspaceUuid: '{ws}',
      runId: `run-${++n}`,
      records: things.map(([key, role, day]) => ({ key, payload: { role, day } })),
    });
  const project = tempProject(FILES).project;
  const run = async (options: RunOptions = {}) =>
    Object.fromEntries(
      (await runModels(fx.db, project(), options)).map((r) => [
        r.name,
        r.build
          ? `${r.status}, ${r.build.incremental ? 'incremental' : ['full', r.build.fullBecause].filter(Boolean).join(': ')}`
          : r.status,
      ]),
    );
  const notes = async (model: string) =>
    (
      await fx.db.query<{ day: unknown; things: unknown; note: string }>(
        `select day, things, note from ${fx.db.table('marts', model)}`,
      )
    )
      .map((r) => {
        const day = r.day as { value?: string } | Date | string;
        const iso =
          day instanceof Date
            ? day.toISOString().slice(0, 10)
            : String((day as { value?: string }).value ?? day);
        return `${iso.slice(0, 10)} ${Number(r.things)} ${r.note}`;
      })
      .sort();
  // An edit by hand shows which rows a build rewrote.
  const edit = (model: string) =>
    fx.db.query(`update ${fx.db.table('marts', model)} set note = 'edited' where true`);

  it('leaves current models alone, rebuilds by days what its inputs changed, and in full on other changes', async () => {
    // BigQuery rebuilds a table without comparing: every rebuilt table counts as changed.
    const compares = fx.db.dialect !== 'bigquery';
    await load([
      ['t1', 'a', '2026-01-01'],
      ['t2', 'b', '2026-01-02'],
    ]);
    expect(await run()).toEqual({
      stg_things: 'success',
      dim_roles: 'success',
      fct_role_count: 'success',
      fct_things_daily: 'success, full',
      fct_role_days: 'success, full',
    });

    // Nothing new: the table over the source is rebuilt (a source is how changes come in); into the
    // same rows, so nothing after it is.
    await edit('fct_things_daily');
    expect(await run()).toEqual(
      compares
        ? {
            stg_things: 'success',
            dim_roles: 'current',
            fct_role_count: 'current',
            fct_things_daily: 'current',
            fct_role_days: 'current',
          }
        : {
            stg_things: 'success',
            dim_roles: 'success',
            fct_role_count: 'success',
            fct_things_daily: 'success, incremental',
            fct_role_days: 'success, full: dim_roles changed',
          },
    );

    // A new day of a known role: the daily models rebuild from their newest day on, no earlier.
    await edit('fct_things_daily');
    await load([['t3', 'a', '2026-01-03']]);
    const third = await run();
    expect(third).toMatchObject({ stg_things: 'success', fct_things_daily: 'success, incremental' });
    if (compares)
      expect(third).toMatchObject({
        dim_roles: 'success',
        fct_role_count: 'current',
        fct_role_days: 'success, incremental',
      });
    expect(await notes('fct_things_daily')).toEqual([
      '2026-01-01 1 edited',
      '2026-01-02 1 computed',
      '2026-01-03 1 computed',
    ]);

    // A new role: dim_roles changed, which fct_role_days's incremental branch does not account for.
    await edit('fct_role_days');
    await load([['t4', 'c', '2026-01-03']]);
    expect(await run()).toMatchObject({
      dim_roles: 'success',
      fct_role_count: 'success',
      fct_things_daily: 'success, incremental',
      fct_role_days: 'success, full: dim_roles changed',
    });
    expect(await notes('fct_role_days')).toEqual([
      '2026-01-01 1 computed',
      '2026-01-02 1 computed',
      '2026-01-03 1 computed',
      '2026-01-03 1 computed',
    ]);
    expect(await notes('fct_things_daily')).toEqual([
      '2026-01-01 1 edited',
      '2026-01-02 1 computed',
      '2026-01-03 2 computed',
    ]);

    // A run that never finished (its marker says started, not finished): the next trusts no
    // record of change, so no model is current.
    await fx.db.query(
      `update ${fx.db.table('etl_meta', 'model_builds')} set changed_at = timestamp '1970-01-01 00:00:00+00' where model = '(transform run)'`,
    );
    expect(await run()).toMatchObject({ dim_roles: 'success', fct_role_count: 'success' });
    if (compares)
      // …and the one after it trusts them again.
      expect(await run()).toMatchObject({ dim_roles: 'current', fct_role_count: 'current' });

    // A selection builds what it selects, current or not.
    expect(await run({ select: ['fct_role_count'] })).toEqual({ fct_role_count: 'success' });
  }, 180_000);

  it("runs a current model's test that reads a model changed in the run, and fails it", async () => {
    const pinned = tempProject({
      ...FILES,
      'marts/fct_pinned.sql': "{{ config(materialized='table') }}\nselect 'b' as role",
      'marts/fct_pinned.yml': `description: A role kept by hand.
columns:
  role:
    description: The role (dim_roles.role).
    tests:
      - relationships: { to: dim_roles, field: role }
`,
    }).project;
    const pinnedRun = async () => (await runModels(fx.db, pinned())).find((r) => r.name === 'fct_pinned');
    expect((await pinnedRun())?.status).toBe('success');
    expect((await pinnedRun())?.status).toBe('current');
    // t2, the only thing of role b, takes another role: b leaves dim_roles, and fct_pinned, whose
    // rows did not change, fails its relationships test, this run and the next.
    await load([['t2', 'd', '2026-01-02']]);
    for (const round of [1, 2]) {
      const result = await pinnedRun();
      expect(result?.status, `round ${round}`).toBe('error');
      expect(result?.error).toMatch(/test fct_pinned\.role\.relationships failed/);
    }
  }, 180_000);
});
