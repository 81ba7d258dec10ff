// A model's yml descriptions end up in the warehouse, where BI tools read them: on views, tables
// and incremental tables, checked by every run and written where they differ; a description that
// cannot be written leaves the model built, as warn.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commentStatements } from '../../transforms/describe';
import { loadProject } from '../../transforms/project';
import { runModels } from '../../transforms/run';
import { DEFAULT_PROJECT_DIR } from '../../transforms/service';
import { readDescriptions } from '../support/descriptions';
import { recordingEngine } from '../support/recordingEngine';
import { describeEachWarehouse, useMigratedWarehouse } from '../support/warehouse';
import { tempProjects } from './support';

const tempProject = tempProjects();

/** Quotes and a backslash, as a yml may hold them. */
const TRICKY = String.raw`People as the source has them: it's a view, 'quoted', with a back\slash.`;

const STG_PEOPLE_YML = `description: >-
  ${TRICKY}
columns:
  person_id:
    description: The person's id.
  display_name:
`;

const FILES = {
  'staging/stg_people.sql': "select 1 as person_id, 'Ada' as display_name, 'x' as undocumented",
  'staging/stg_people.yml': STG_PEOPLE_YML,
  'intermediate/int_people.sql': `{{ config(materialized='incremental', unique_key='person_id') }}
select person_id, display_name from {{ ref('stg_people') }}`,
  'intermediate/int_people.yml': 'columns:\n  person_id: { description: Kept by every run. }\n',
  'marts/dim_people.sql': `{{ config(materialized='table') }}
select person_id, display_name from {{ ref('int_people') }}`,
  'marts/dim_people.yml': `description: One row per person.
columns:
  person_id: { description: "The person (stg_people's id)." }
  display_name: { description: As the person shows it. }
`,
  'marts/dim_drift.sql': "{{ config(materialized='table') }} select 1 as kept",
  'marts/dim_drift.yml': `description: A yml listing a column its model lost.
columns:
  kept: { description: Still there. }
  gone: { description: Not any more. }
`,
  'marts/fct_after_drift.sql': "select kept from {{ ref('dim_drift') }}",
  'marts/fct_after_drift.yml':
    'description: Downstream of the drift.\ncolumns:\n  kept: { description: Kept. }\n',
};

describe('comment statements (Postgres, PGlite)', () => {
  it('comment on the view or table and each documented column, as E strings; none is null', () => {
    const statements = commentStatements('"staging"."stg_people"', 'view', {
      description: TRICKY,
      columns: [
        { name: 'person_id', description: "The person's id." },
        { name: 'display_name', description: null },
      ],
    });
    expect(statements).toEqual([
      String.raw`comment on view "staging"."stg_people" is E'People as the source has them: it''s a view, ''quoted'', with a back\\slash.'`,
      `comment on column "staging"."stg_people"."person_id" is E'The person''s id.'`,
      `comment on column "staging"."stg_people"."display_name" is null`,
    ]);
    expect(commentStatements('"marts"."t"', 'table', { description: null, columns: [] })).toEqual([
      'comment on table "marts"."t" is null',
    ]);
  });
});

describe('the descriptions of sql/ on BigQuery', () => {
  // BigQuery refuses longer ones, a field's over 1,024 characters, a table's over 16,384; the emulator takes them.
  it('fit its limits', () => {
    const tooLong = [...loadProject(DEFAULT_PROJECT_DIR).models.values()].flatMap((m) => [
      ...((m.doc?.description?.length ?? 0) > 16_384 ? [m.name] : []),
      ...(m.doc?.columns ?? [])
        .filter((c) => (c.description?.length ?? 0) > 1024)
        .map((c) => `${m.name}.${c.name}`),
    ]);
    expect(tooLong).toEqual([]);
  });
});

describeEachWarehouse('descriptions in the warehouse', (engine) => {
  const fx = useMigratedWarehouse(engine);
  const { dir, project } = tempProject(FILES);
  const read = (schema: 'staging' | 'intermediate' | 'marts', name: string) =>
    readDescriptions(fx.wh.config, fx.db, schema, name);

  it('writes the yml descriptions onto views, tables and incremental tables', async () => {
    const results = await runModels(fx.db, project());
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ['dim_drift', 'warn'],
      ['fct_after_drift', 'success'],
      ['stg_people', 'success'],
      ['int_people', 'success'],
      ['dim_people', 'success'],
    ]);
    expect(await read('staging', 'stg_people')).toEqual({
      description: TRICKY,
      columns: { person_id: "The person's id.", display_name: null, undocumented: null },
    });
    expect(await read('intermediate', 'int_people')).toEqual({
      description: null,
      columns: { person_id: 'Kept by every run.', display_name: null },
    });
    expect(await read('marts', 'dim_people')).toEqual({
      description: 'One row per person.',
      columns: { person_id: "The person (stg_people's id).", display_name: 'As the person shows it.' },
    });
  }, 180_000);

  it('reports a yml column the relation lacks as warn, builds the model and its descendants', async () => {
    const [drift, after] = await runModels(fx.db, project(), { select: ['dim_drift+'] });
    expect(drift).toMatchObject({ name: 'dim_drift', status: 'warn', rows: 1 });
    expect(drift?.error).toMatch(/^descriptions not written: .*gone/);
    expect(after).toMatchObject({ name: 'fct_after_drift', status: 'success', error: undefined });
    expect((await read('marts', 'fct_after_drift')).columns).toEqual({ kept: 'Kept.' });
  }, 180_000);

  it('writes none the relation already carries: a view replaced and an incremental table keep theirs', async () => {
    const { engine: counting, statements } = recordingEngine(fx.db);
    const results = await runModels(counting, project(), { select: ['stg_people', 'int_people'] });
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ['stg_people', 'success'],
      ['int_people', 'success'],
    ]);
    expect(statements.filter((q) => /^comment on/.test(q))).toEqual([]);
    expect((await read('staging', 'stg_people')).description).toBe(TRICKY);
    expect((await read('intermediate', 'int_people')).columns.person_id).toBe('Kept by every run.');
  }, 180_000);

  it('rewrites them on the next run, removing those taken out of the yml', async () => {
    writeFileSync(
      join(dir, 'staging/stg_people.yml'),
      'columns:\n  person_id:\n  display_name: { description: Now described. }\n',
    );
    writeFileSync(
      join(dir, 'intermediate/int_people.yml'),
      'description: Incremental.\ncolumns:\n  person_id:\n',
    );
    const results = await runModels(fx.db, project(), { select: ['stg_people', 'int_people'] });
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ['stg_people', 'success'],
      ['int_people', 'success'],
    ]);
    expect(await read('staging', 'stg_people')).toEqual({
      description: null,
      columns: { person_id: null, display_name: 'Now described.', undocumented: null },
    });
    expect(await read('intermediate', 'int_people')).toEqual({
      description: 'Incremental.',
      columns: { person_id: null, display_name: null },
    });
  }, 180_000);
});
