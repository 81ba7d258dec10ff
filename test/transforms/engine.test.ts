import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../transforms/compile';
import { buildDag, selectModels, topologicalOrder } from '../../transforms/dag';
import { renderDocs } from '../../transforms/docs';
import { loadProject, type Project } from '../../transforms/project';
import { planRun, runModels } from '../../transforms/run';
import { failedNodes, runTransformProject, TransformFailedError } from '../../transforms/service';
import type { WarehouseEngine } from '../../warehouse/engine';
import { loadRecords } from '../../warehouse/raw/load';
import { recordingEngine } from '../support/recordingEngine';
import { describeEachWarehouse, useMigratedWarehouse, type WarehouseUnderTest } from '../support/warehouse';
import { bq, FIXTURES, pg, tempProjects } from './support';

const PROJECT = join(FIXTURES, 'project');

const tempProject = tempProjects();

describe('loading a project', () => {
  it('finds models by basename with their layer, and macros apart', () => {
    const project = loadProject(PROJECT);
    expect([...project.models.keys()]).toEqual(['dim_things', 'fct_thing_roles', 'stg_things']);
    expect(project.models.get('stg_things')).toMatchObject({
      layer: 'staging',
      path: 'staging/stg_things.sql',
    });
    expect(project.models.get('dim_things')?.layer).toBe('marts');
    expect(project.macros.map((m) => [m.path, m.names])).toEqual([['macros/json_text.sql', ['json_text']]]);
  });

  it('refuses a model name used twice, naming both paths', () => {
    expect(() => loadProject(join(FIXTURES, 'dupe'))).toThrow(
      'model name "same" is used twice: marts/same.sql and staging/same.sql',
    );
  });

  it('refuses a model outside staging/, intermediate/, marts/', () => {
    const { project } = tempProject({ 'elsewhere/x.sql': 'select 1', 'top.sql': 'select 2' });
    expect(project).toThrow(/model elsewhere\/x\.sql is outside the model folders/);
  });

  it('keeps the project a dbt project: macro files import and set nothing, models define no macro', () => {
    const refused = (files: Record<string, string>) => tempProject(files).project;
    expect(
      refused({ 'macros/a.sql': '{% from "macros/b.sql" import m %}{% macro n() %}{{ m() }}{% endmacro %}' }),
    ).toThrow('macros/a.sql: macro files import nothing');
    expect(refused({ 'macros/a.sql': '{% set X = 1 %}{% macro n() %}{{ X }}{% endmacro %}' })).toThrow(
      'macros/a.sql: a {% set %} outside a macro',
    );
    expect(refused({ 'marts/m.sql': '{% macro n() %}1{% endmacro %}select {{ n() }} as x' })).toThrow(
      'marts/m.sql: defines a macro: move it to a file under macros/',
    );
    // A set inside a macro is the macro's own; a macro calls another file's macros by name.
    const { project } = tempProject({
      'macros/a.sql': '{% macro n() %}{% set x = m() %}{{ x }}{% endmacro %}',
      'macros/b.sql': '{% macro m() %}41 + 1{% endmacro %}',
      'marts/m.sql': 'select {{ n() }} as x',
    });
    expect(compileModel(pg, project(), 'm').sql).toBe('select 41 + 1 as x');
  });

  it('refuses a macro defined in two files', () => {
    const { project } = tempProject({
      'macros/a.sql': '{% macro m() %}1{% endmacro %}',
      'macros/b.sql': '{% macro m() %}2{% endmacro %}',
    });
    expect(project).toThrow('macro "m" is defined twice: macros/a.sql and macros/b.sql');
  });
});

describe('compiling a model', () => {
  const project = loadProject(PROJECT);

  it('renders source(), macros per engine, and records config (view by default)', () => {
    const stg = compileModel(pg, project, 'stg_things');
    expect(stg.sql).toContain('from "raw_bitbucket"."members"');
    expect(stg.sql).toContain(`(payload ->> 'display_name') as display_name`);
    expect(stg.config).toEqual({ materialized: 'view' });
    expect(stg.refs).toEqual([]);
    expect(stg.relation).toBe('"staging"."stg_things"');

    const stgBq = compileModel(bq, project, 'stg_things');
    expect(stgBq.sql).toContain('from `proj.bbetl_raw_bitbucket.members`');
    expect(stgBq.sql).toContain(`JSON_VALUE(payload, '$.display_name') as display_name`);
  });

  it('renders ref() as the quoted qualified relation and collects refs; var() takes defaults and values', () => {
    const dim = compileModel(pg, project, 'dim_things');
    expect(dim.sql).toContain('from "staging"."stg_things"');
    expect(dim.sql).toContain(`role = 'admin' as is_admin`);
    expect(dim.refs).toEqual(['stg_things']);
    expect(dim.config).toEqual({ materialized: 'table' });
    expect(compileModel(pg, project, 'dim_things', { vars: { admin_role: 'owner' } }).sql).toContain(
      `role = 'owner'`,
    );
  });

  it('is_incremental() only for an existing incremental relation without full refresh; this is the own relation', () => {
    const first = compileModel(pg, project, 'fct_thing_roles');
    expect(first.config).toEqual({ materialized: 'incremental', uniqueKey: ['role'] });
    expect(first.sql).not.toContain('where role in');
    const next = compileModel(pg, project, 'fct_thing_roles', { relationExists: true });
    expect(next.sql).toContain('where role in (select role from "marts"."fct_thing_roles")');
    expect(
      compileModel(pg, project, 'fct_thing_roles', { relationExists: true, fullRefresh: true }).sql,
    ).not.toContain('where role in');
    // a view never is incremental
    expect(compileModel(pg, project, 'stg_things', { relationExists: true }).sql).toBe(
      compileModel(pg, project, 'stg_things').sql,
    );
  });

  it('names the model and the missing ref, the unknown source, the unset var, the bad config', () => {
    const { project: p } = tempProject({
      'marts/m.sql': "select * from {{ ref('nope') }}",
      'marts/s.sql': "select * from {{ source('github', 'x') }}",
      'marts/v.sql': "select {{ var('missing') }}",
      'marts/c.sql': "{{ config(materialized='ephemeral') }} select 1",
      'marts/k.sql': "{{ config(materialised='table') }} select 1",
      'marts/u.sql': 'select {{ undefined_thing }}',
      'marts/e.sql': "select {{ evaluated_first('(select 1)', 'integer') }}",
    });
    const q = p();
    expect(() => compileModel(pg, q, 'm')).toThrow(`model "m" refers to unknown model "nope"`);
    expect(() => compileModel(pg, q, 's')).toThrow(`model "s": unknown source "github"`);
    expect(() => compileModel(pg, q, 'v')).toThrow(`model "v": var('missing') is not set and has no default`);
    expect(() => compileModel(pg, q, 'c')).toThrow(/materialized must be one of view, table, incremental/);
    expect(() => compileModel(pg, q, 'k')).toThrow(`model "k": unknown config "materialised"`);
    expect(() => compileModel(pg, q, 'u')).toThrow(
      /model "u" \(marts\/u\.sql\) failed to compile: .*Line 1.*undefined value/s,
    );
    expect(() => compileModel(pg, q, 'e')).toThrow(
      `model "e": evaluated_first()'s type must be one of date, timestamp, got "integer"`,
    );
  });

  it('keeps line numbers of the model in template errors (macros are imported on line 1)', () => {
    const { project: p } = tempProject({
      'macros/x.sql': '{% macro x() %}1{% endmacro %}',
      'marts/e.sql': 'select\n{{ x() }},\n{{ 1 + }}',
    });
    expect(() => compileModel(pg, p(), 'e')).toThrow(/marts\/e\.sql.*Line 3/s);
  });

  it('renders a template compiled once with each render its own globals: dialect, refs, branch, vars', () => {
    const { project: p } = tempProject({
      'macros/q.sql': "{% macro q() %}{{ 'bq' if target.type == 'bigquery' else 'pg' }}{% endmacro %}",
      'staging/a.sql': 'select 1 as id',
      'staging/b.sql': 'select 2 as id',
      'marts/m.sql':
        "{{ config(materialized='incremental', unique_key='id') }}select '{{ q() }}', {{ var('n', 0) }} as n, id " +
        "from {% if is_incremental() %}{{ ref('b') }}{% else %}{{ ref('a') }}{% endif %}",
    });
    const q = p();
    const full = compileModel(pg, q, 'm', { fullRefresh: true });
    const incremental = compileModel(pg, q, 'm', { relationExists: true, vars: { n: 7 } });
    const onBigQuery = compileModel(bq, q, 'm', { fullRefresh: true });
    expect([full.sql, full.refs]).toEqual([`select 'pg', 0 as n, id from "staging"."a"`, ['a']]);
    expect([incremental.sql, incremental.refs]).toEqual([
      `select 'pg', 7 as n, id from "staging"."b"`,
      ['b'],
    ]);
    expect(onBigQuery.sql).toMatch(/^select 'bq', 0 as n, id from `[^`]*staging`?\.?`?a`$/);
    expect(onBigQuery.refs).toEqual(['a']);
    // A template whose source changed is compiled again.
    const { project: edited } = tempProject({ 'marts/m.sql': 'select 3 as id' });
    expect(compileModel(pg, edited(), 'm').sql).toBe('select 3 as id');
  });
});

describe('the model graph', () => {
  const chain = buildDag(
    new Map([
      ['stg_b', []],
      ['stg_a', []],
      ['int_ab', ['stg_a', 'stg_b']],
      ['dim_a', ['stg_a']],
      ['fct', ['int_ab', 'dim_a']],
      ['lonely', []],
    ]),
  );

  it('orders parents first, alphabetically among ties', () => {
    expect(topologicalOrder(chain)).toEqual(['lonely', 'stg_a', 'dim_a', 'stg_b', 'int_ab', 'fct']);
  });

  it('selects a model, its ancestors (+m), its descendants (m+), both, and unions selectors', () => {
    expect([...selectModels(chain, ['int_ab'])]).toEqual(['int_ab']);
    expect([...selectModels(chain, ['+int_ab'])]).toEqual(['int_ab', 'stg_a', 'stg_b']);
    expect([...selectModels(chain, ['stg_a+'])]).toEqual(['dim_a', 'fct', 'int_ab', 'stg_a']);
    expect([...selectModels(chain, ['+dim_a+'])]).toEqual(['dim_a', 'fct', 'stg_a']);
    expect([...selectModels(chain, ['lonely', 'stg_b+'])]).toEqual(['fct', 'int_ab', 'lonely', 'stg_b']);
    expect(selectModels(chain, []).size).toBe(6);
    expect(() => selectModels(chain, ['+nope'])).toThrow('unknown model "nope" in selector "+nope"');
  });

  it('names the cycle, from its alphabetically first model', () => {
    const project = loadProject(join(FIXTURES, 'cycle'));
    expect(() => planRun(pg, project)).toThrow('Cycle in models: a → b → c → a');
    expect(() => topologicalOrder(buildDag(new Map([['self', ['self']]])))).toThrow(
      'Cycle in models: self → self',
    );
  });

  it('builds a model after the models its tests read, and names the cycle that would make', () => {
    const relationship = 'columns:\n  id: { tests: [{ relationships: { to: b, field: id } }] }';
    const ordered = tempProject({
      'staging/a.sql': 'select 1 as id',
      'staging/a.yml': relationship,
      'staging/b.sql': 'select 1 as id',
    }).project();
    expect(planRun(pg, ordered).order).toEqual(['b', 'a']);
    const cyclic = tempProject({
      'staging/a.sql': 'select 1 as id',
      'staging/a.yml': relationship,
      'staging/b.sql': "select * from {{ ref('a') }}",
    }).project();
    expect(() => planRun(pg, cyclic)).toThrow(
      'Cycle in models: a → b → a, counting the models that tests read: a model is built after the models its tests read',
    );
  });

  it('orders an incremental model after a model it refs only in its incremental branch', () => {
    const project = loadProject(join(FIXTURES, 'incremental_ref'));
    const plan = planRun(pg, project);
    expect([...(plan.dag.parents.get('a_events') ?? [])]).toEqual(['z_seen']);
    expect(plan.order).toEqual(['z_seen', 'a_events']);
    const events = plan.compiled.get('a_events');
    expect(events?.sources).toEqual(['bitbucket.members', 'bitbucket.commits']);
    expect(events?.sql).not.toContain('z_seen'); // the full-refresh SQL
    expect(renderDocs(project)['models.md']).toContain('z_seen --> a_events');
  });

  it('plans the fixture project in dependency order, honouring selection', () => {
    const project = loadProject(PROJECT);
    expect(planRun(pg, project).order).toEqual(['stg_things', 'dim_things', 'fct_thing_roles']);
    expect(planRun(pg, project, { select: ['dim_things+'] }).order).toEqual([
      'dim_things',
      'fct_thing_roles',
    ]);
  });
});

const MEMBERS = [
  { key: 'u1', payload: { display_name: 'Ada', role: 'admin' } },
  { key: 'u2', payload: { display_name: 'Grace', role: 'member' } },
];

/** The fixture project's input: two members, loaded as run-1. */
const loadMembers = (db: WarehouseEngine) =>
  loadRecords(db, {
    stream: 'members',
    connectionId: 'c1',
    workspaceUuid: '{ws}',
    runId: 'run-1',
    records: MEMBERS,
  });

describeEachWarehouse('running the fixture project', (engine) => {
  const fx = useMigratedWarehouse(engine);
  const project = loadProject(PROJECT);
  const sorted = (rows: Record<string, unknown>[]) =>
    [...rows].sort((a, b) => String(a.thing_id ?? a.role).localeCompare(String(b.thing_id ?? b.role)));

  beforeAll(async () => {
    await loadMembers(fx.db);
  }, 120_000);

  it('builds views, tables and incremental tables in order, and rebuilds them on a second run', async () => {
    const first = await runModels(fx.db, project);
    // rows: none for a view; the table's rows after it is built (BigQuery: from its metadata).
    expect(first.map((r) => [r.name, r.materialized, r.status, r.error, r.rows])).toEqual([
      ['stg_things', 'view', 'success', undefined, null],
      ['dim_things', 'table', 'success', undefined, 2],
      ['fct_thing_roles', 'incremental', 'success', undefined, 2],
    ]);
    for (const r of first) expect(r.ms).toBeGreaterThanOrEqual(0);

    const dim = await fx.db.query(
      `select thing_id, display_name, is_admin from ${fx.db.table('marts', 'dim_things')}`,
    );
    expect(sorted(dim)).toEqual([
      { thing_id: 'u1', display_name: 'Ada', is_admin: true },
      { thing_id: 'u2', display_name: 'Grace', is_admin: false },
    ]);

    await loadRecords(fx.db, {
      stream: 'members',
      connectionId: 'c1',
      workspaceUuid: '{ws}',
      runId: 'run-2',
      records: [{ key: 'u3', payload: { display_name: 'Linus', role: 'member' } }],
    });
    const second = await runModels(fx.db, project, { vars: { admin_role: 'member' } });
    expect(second.every((r) => r.status === 'success')).toBe(true);
    // (fct_thing_roles added its rows incrementally: counted, as DML leaves BigQuery's metadata behind on the emulator)
    expect(second.map((r) => [r.name, r.rows])).toEqual([
      ['stg_things', null],
      ['dim_things', 3],
      ['fct_thing_roles', 2],
    ]);
    const dim2 = await fx.db.query(`select thing_id, is_admin from ${fx.db.table('marts', 'dim_things')}`);
    expect(sorted(dim2)).toEqual([
      { thing_id: 'u1', is_admin: false },
      { thing_id: 'u2', is_admin: true },
      { thing_id: 'u3', is_admin: true },
    ]);
    // incremental: the keyed rows were replaced, not duplicated
    const roles = await fx.db.query(`select role, things from ${fx.db.table('marts', 'fct_thing_roles')}`);
    expect(sorted(roles).map((r) => [r.role, Number(r.things)])).toEqual([
      ['admin', 1],
      ['member', 2],
    ]);
  }, 120_000);

  it('runs only the selection, and rebuilds incremental models on full refresh', async () => {
    const only = await runModels(fx.db, project, { select: ['fct_thing_roles'], fullRefresh: true });
    expect(only.map((r) => [r.name, r.status])).toEqual([['fct_thing_roles', 'success']]);
    const roles = await fx.db.query(`select role, things from ${fx.db.table('marts', 'fct_thing_roles')}`);
    expect(roles).toHaveLength(2);
  }, 120_000);

  it('replaces a view whose columns changed, and switches a model between view and table', async () => {
    const { dir, project: load } = tempProject({ 'marts/shape.sql': 'select 1 as a' });
    const read = async () => fx.db.query(`select * from ${fx.db.table('marts', 'shape')}`);
    const runOk = async () => {
      const results = await runModels(fx.db, load());
      expect(results.map((r) => [r.status, r.error])).toEqual([['success', undefined]]);
    };
    await runOk();
    writeFileSync(join(dir, 'marts/shape.sql'), "select 'x' as b, 2 as c");
    await runOk();
    expect(await read()).toEqual([{ b: 'x', c: 2 }]);
    writeFileSync(join(dir, 'marts/shape.sql'), "{{ config(materialized='table') }} select 3 as d");
    await runOk();
    expect(await read()).toEqual([{ d: 3 }]);
    writeFileSync(join(dir, 'marts/shape.sql'), 'select 4 as e');
    await runOk();
    expect(await read()).toEqual([{ e: 4 }]);
  }, 120_000);

  it('reports a failing model, skips its descendants, still builds the models that do not depend on it, and fails the run', async () => {
    const { dir } = tempProject({
      'staging/stg_bad.sql': 'select no_such_column from {{ source("bitbucket", "members") }}',
      'marts/dim_bad.sql': "{{ config(materialized='table') }} select * from {{ ref('stg_bad') }}",
      // built after the failure (parents first, then by name), from the same source
      'staging/stg_later.sql': 'select record_key from {{ source("bitbucket", "members") }}',
      'marts/dim_later.sql': "{{ config(materialized='table') }} select * from {{ ref('stg_later') }}",
    });
    const outcome = await runTransformProject(fx.db, { projectDir: dir, trigger: 'test' });
    const { models } = outcome.results;
    expect(models.map((r) => [r.name, r.status, r.rows])).toEqual([
      ['stg_bad', 'error', null],
      ['dim_bad', 'skipped', null],
      ['stg_later', 'success', null],
      // the members u1, u2 and u3 (loaded by the first test)
      ['dim_later', 'success', 3],
    ]);
    expect(models[0]?.error).toMatch(/no_such_column/);
    expect(models[1]?.error).toBe('upstream "stg_bad" failed');
    expect(outcome.ok).toBe(false);
    expect(failedNodes(outcome.results).map((n) => n.name)).toEqual(['stg_bad']);
    expect(new TransformFailedError(outcome).message).toMatch(
      new RegExp(`^transform run ${outcome.runId} failed:\n {2}stg_bad: .*no_such_column`),
    );
  }, 120_000);
});

// Postgres and PGlite plan each model from the statistics of the tables before it: a fresh table
// has none (PGlite, without autovacuum, never gets any), and a staging table planned as a few rows
// once made a mart a nested loop of seconds.
describeEachWarehouse(
  'planning on Postgres',
  (engine) => {
    const fx = useMigratedWarehouse(engine);

    it('analyzes every table a run builds, and indexes an incremental table on its unique_key', async () => {
      await loadMembers(fx.db);
      const results = await runModels(fx.db, loadProject(PROJECT));
      expect(results.map((r) => r.status)).toEqual(['success', 'success', 'success']);
      const analyzed = await fx.db.query<{ tablename: string }>(
        `select distinct tablename from pg_stats where schemaname = $1 order by tablename`,
        [fx.db.schemaName('marts')],
      );
      expect(analyzed.map((r) => r.tablename)).toEqual(['dim_things', 'fct_thing_roles']);
      const indexes = await fx.db.query<{ indexdef: string }>(
        'select indexdef from pg_indexes where schemaname = $1 and tablename = $2',
        [fx.db.schemaName('marts'), 'fct_thing_roles'],
      );
      expect(indexes.map((i) => i.indexdef.replace(/^.* USING /, ''))).toEqual(['btree (role)']);
    });
  },
  ['pglite', 'postgres'],
);

/** A throwaway project of a table model and a model view on it, and helpers to run and read it. */
function useReplacedProject(engine: () => WarehouseUnderTest) {
  const fx = useMigratedWarehouse(engine);
  const rel = (name: string) => fx.db.table('marts', name);
  return {
    fx,
    rel,
    read: (name: string) => fx.db.query(`select * from ${rel(name)} order by id`),
    run: async (load: () => Project, select?: string[]) =>
      (await runModels(fx.db, load(), { select })).map((r) => [r.name, r.status, r.error]),
    project: () =>
      tempProject({
        'marts/base.sql': "{{ config(materialized='table') }} select 1 as id, 'a' as label",
        'marts/on_base.sql': "select id, label from {{ ref('base') }}",
      }),
  };
}

describeEachWarehouse("replacing a model's relation", (engine) => {
  const { fx, rel, read, run, project: newProject } = useReplacedProject(engine);

  it('keeps the views on a replaced table, user views and models outside the selection, with the new rows', async () => {
    const { dir, project } = newProject();
    expect(await run(project)).toEqual([
      ['base', 'success', undefined],
      ['on_base', 'success', undefined],
    ]);
    // a BI tool's views, outside the project: on the table, and on the model view
    await fx.db.query(`create view ${rel('bi_base')} as select id, label from ${rel('base')}`);
    await fx.db.query(`create view ${rel('bi_on_base')} as select label, id from ${rel('on_base')}`);
    const postgres = fx.db.dialect === 'postgres';
    if (postgres) await fx.db.query(`comment on view ${rel('bi_base')} is 'For the dashboard.'`);

    writeFileSync(
      join(dir, 'marts/base.sql'),
      "{{ config(materialized='table') }} select 2 as id, 'b' as label, true as added",
    );
    expect(await run(project, ['base'])).toEqual([['base', 'success', undefined]]);
    expect(await read('base')).toEqual([{ id: 2, label: 'b', added: true }]);
    for (const view of ['bi_base', 'on_base', 'bi_on_base'])
      expect(await read(view)).toEqual([{ id: 2, label: 'b' }]);
    if (postgres) {
      const [row] = await fx.db.query(`select obj_description(to_regclass($1), 'pg_class') as c`, [
        rel('bi_base'),
      ]);
      expect(row?.c).toBe('For the dashboard.');
    }

    // a model view replaced (Postgres: its columns moved, so dropped and created) keeps its views too
    writeFileSync(join(dir, 'marts/on_base.sql'), "select 0 as first, id, label from {{ ref('base') }}");
    expect(await run(project, ['on_base'])).toEqual([['on_base', 'success', undefined]]);
    expect(await read('on_base')).toEqual([{ first: 0, id: 2, label: 'b' }]);
    expect(await read('bi_on_base')).toEqual([{ label: 'b', id: 2 }]);
  }, 120_000);
});

// BigQuery's views are late-bound: there, a view on a lost column breaks when it is read.
describeEachWarehouse(
  "replacing a model's relation under a view on a column it drops",
  (engine) => {
    const { fx, rel, read, run, project: newProject } = useReplacedProject(engine);

    it('fails the model and keeps the old table and the view; run together, a model view is rebuilt', async () => {
      const { dir, project } = newProject();
      await run(project);
      await fx.db.query(`create view ${rel('bi_base')} as select id, label from ${rel('base')}`);
      writeFileSync(join(dir, 'marts/base.sql'), "{{ config(materialized='table') }} select 2 as id");

      const [result] = await run(project, ['base']);
      expect(result?.slice(0, 2)).toEqual(['base', 'error']);
      expect(result?.[2]).toMatch(
        /^view "[^"]*marts"\."bi_base" depends on column "label", which the new version of model "base" no longer has, so "base" was not replaced: drop or change view "[^"]*marts"\."bi_base", then run "base" again$/,
      );
      expect(await read('base')).toEqual([{ id: 1, label: 'a' }]);
      expect(await read('bi_base')).toEqual([{ id: 1, label: 'a' }]);
      const staged = await fx.db.query(
        'select 1 from information_schema.tables where table_schema = $1 and table_name = $2',
        [fx.db.schemaName('marts'), 'base__bbetl_new'],
      );
      expect(staged).toEqual([]);

      // without the user's view, the model view outside the selection stops it, saying so
      await fx.db.query(`drop view ${rel('bi_base')}`);
      expect((await run(project, ['base']))[0]?.[2]).toMatch(
        /^view "[^"]*marts"\."on_base" depends on column "label", .*: change model "on_base", or run it together with "base" \(e\.g\. --select base\+\)$/,
      );
      // run together, the model view is left to its own build
      writeFileSync(join(dir, 'marts/on_base.sql'), "select id from {{ ref('base') }}");
      expect(await run(project, ['base+'])).toEqual([
        ['base', 'success', undefined],
        ['on_base', 'success', undefined],
      ]);
      expect(await read('on_base')).toEqual([{ id: 2 }]);
    }, 120_000);
  },
  ['pglite', 'postgres'],
);

describeEachWarehouse('a subquery evaluated first', (engine) => {
  const fx = useMigratedWarehouse(engine);
  // An input of three days; an incremental run replaces the days from the model's last one on.
  const model = `{%- set last = evaluated_first('(select max(day) from ' ~ this ~ ')', 'date') %}
{{ config(materialized='incremental', incremental_strategy='replace_where', incremental_predicates=['day >= ' ~ last]) }}
select day, n from {{ source('etl_meta', 'evaluated_first_days') }}
{% if is_incremental() %}where day >= {{ last }}{% endif %}`;

  it('is evaluated once per incremental build and written into the model and its predicate as a date', async () => {
    const { project } = tempProject({ 'marts/days.sql': model });
    const rows = async () =>
      (
        await fx.db.query<{ day: unknown; n: unknown }>(
          `select cast(day as ${fx.db.dialect === 'bigquery' ? 'string' : 'text'}) as day, n from ${fx.db.table('marts', 'days')} order by day`,
        )
      ).map((r) => [r.day, Number(r.n)]);
    const input = fx.db.table('etl_meta', 'evaluated_first_days');
    await fx.db.query(
      `create table ${input} as select date '2026-01-01' as day, 1 as n
       union all select date '2026-01-02', 1 union all select date '2026-01-03', 1`,
    );
    await runModels(fx.db, project());
    await fx.db.query(`update ${input} set n = 2 where true`);
    const { engine: recording, statements } = recordingEngine(fx.db);
    const [result] = await runModels(recording, project());
    expect(result?.status).toBe('success');
    expect(await rows()).toEqual([
      ['2026-01-01', 1],
      ['2026-01-02', 1],
      ['2026-01-03', 2],
    ]);
    // One evaluation; nothing sent still holds the subquery, and the day went in as a literal.
    expect(statements.filter((s) => s.includes('max(day)'))).toEqual([
      expect.stringMatching(/^select cast\(\(select max\(day\) from .*\) as \w+\) as value$/),
    ]);
    expect(statements.filter((s) => s.includes("date '2026-01-03'")).length).toBeGreaterThanOrEqual(2);
  });

  it('writes a timestamp in to the microsecond, in UTC', async () => {
    // Rows after the newest one held: a literal a microsecond too late or early would lose the
    // row at .000002 or take the one at .000001 again (the model would hold it twice).
    const { project } = tempProject({
      'marts/stamps.sql': `{%- set newest = evaluated_first('(select max(seen_at) from ' ~ this ~ ')', 'timestamp') %}
{{ config(materialized='incremental') }}
select id, seen_at from {{ source('etl_meta', 'evaluated_first_stamps') }}
{% if is_incremental() %}where seen_at > {{ newest }}{% endif %}`,
    });
    const input = fx.db.table('etl_meta', 'evaluated_first_stamps');
    const stamp = (s: string) => `${fx.db.dialect === 'bigquery' ? 'timestamp' : 'timestamptz'} '${s}'`;
    await fx.db.query(
      `create table ${input} as select 1 as id, ${stamp('2026-01-01T10:00:00.000001+02:00')} as seen_at`,
    );
    await runModels(fx.db, project());
    await fx.db.query(
      `insert into ${input} (id, seen_at) values (2, ${stamp('2026-01-01T08:00:00.000002Z')})`,
    );
    const { engine: recording, statements } = recordingEngine(fx.db);
    const [result] = await runModels(recording, project());
    expect(result?.status).toBe('success');
    const ids = await fx.db.query<{ id: unknown }>(
      `select id from ${fx.db.table('marts', 'stamps')} order by id`,
    );
    expect(ids.map((r) => Number(r.id))).toEqual([1, 2]);
    expect(statements.filter((s) => s.includes("'2026-01-01T08:00:00.000001Z'")).length).toBe(1);
  });
});

describeEachWarehouse(
  'an incremental model whose SQL changed',
  (engine) => {
    const fx = useMigratedWarehouse(engine);
    // The incremental branch adds nothing: only a full build shows what the SQL says now.
    const model = (columns: string) =>
      `{{ config(materialized='incremental', unique_key='id') }}\nselect 1 as id, ${columns}\n{% if is_incremental() %}where false{% endif %}`;

    it('is built in full on its next run (a new value, a new column), then incrementally again', async () => {
      const relation = fx.db.table('marts', 'versioned');
      const run = async (columns: string, status = 'success') => {
        const { project } = tempProject({ 'marts/versioned.sql': model(columns) });
        const [result] = await runModels(fx.db, project());
        expect(result?.status).toBe(status);
        return fx.db.query<Record<string, unknown>>(`select * from ${relation}`);
      };
      expect(await run("'a' as v")).toEqual([{ id: 1, v: 'a' }]);
      // The same SQL, reading nothing that changed: current, kept as it is.
      await fx.db.query(`update ${relation} set v = 'kept'`);
      expect(await run("'a' as v", 'current')).toEqual([{ id: 1, v: 'kept' }]);
      expect(await run("'b' as v")).toEqual([{ id: 1, v: 'b' }]);
      expect(await run("'b' as v, 2 as w")).toEqual([{ id: 1, v: 'b', w: 2 }]);
    });
  },
  ['pglite', 'postgres'],
);
