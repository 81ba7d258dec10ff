// Loading `<model>.yml` and tests/*.sql: what a valid file becomes, and the message each mistake
// gets (the file, the key, what to write instead). No warehouse needed.
import { describe, expect, it } from 'vitest';
import { compileModel } from '../../transforms/compile';
import { planDataTests } from '../../transforms/dataTests';
import { ProjectError } from '../../transforms/errors';
import { pg, tempProjects } from './support';

const tempProject = tempProjects();

/** A project of one model `marts/m.sql` (plus `extra` files) whose yml is `yml`. */
const withYml = (yml: string, extra: Record<string, string> = {}) =>
  tempProject({ 'marts/m.sql': 'select 1 as a, 2 as b', 'marts/m.yml': yml, ...extra }).project;

const DOCUMENTED = `description: Two numbers.
columns:
  a: { description: The first. }
  b: { description: The second. }
`;

describe('model yml', () => {
  it('reads description, columns in order with their tests, model tests and severities', () => {
    const project = tempProject({
      'staging/s.sql': 'select 1 as id',
      'staging/s.yml': `description: >
  Folded
  text.
columns:
  zeta:
    description: Last in the alphabet, first here.
    tests: [unique, not_null]
  alpha:
  state:
    tests:
      - accepted_values: [OPEN, 1, true]
      - { relationships: { to: t, field: id }, severity: warn }
      - { not_null: ~, severity: warn }
tests:
  - unique_combination: [zeta, alpha]
`,
      'staging/t.sql': 'select 1 as id',
    }).project();
    expect(project.models.get('s')?.doc).toEqual({
      description: 'Folded text.',
      columns: [
        {
          name: 'zeta',
          description: 'Last in the alphabet, first here.',
          tests: [
            { kind: 'unique', column: 'zeta', severity: 'error' },
            { kind: 'not_null', column: 'zeta', severity: 'error' },
          ],
        },
        { name: 'alpha', description: undefined, tests: [] },
        {
          name: 'state',
          description: undefined,
          tests: [
            { kind: 'accepted_values', column: 'state', values: ['OPEN', 1, true], severity: 'error' },
            { kind: 'relationships', column: 'state', to: 't', field: 'id', severity: 'warn' },
            { kind: 'not_null', column: 'state', severity: 'warn' },
          ],
        },
      ],
      tests: [{ kind: 'unique_combination', columns: ['zeta', 'alpha'], severity: 'error' }],
    });
    expect(project.models.get('t')?.doc).toBeUndefined();
    expect(planDataTests(pg, project).map((t) => [t.name, t.model, t.refs, t.severity])).toEqual([
      ['s.zeta.unique', 's', ['s'], 'error'],
      ['s.zeta.not_null', 's', ['s'], 'error'],
      ['s.state.accepted_values', 's', ['s'], 'error'],
      ['s.state.relationships', 's', ['s', 't'], 'warn'],
      ['s.state.not_null', 's', ['s'], 'warn'],
      ['s.unique_combination(zeta,alpha)', 's', ['s'], 'error'],
    ]);
  });

  it.each([
    [
      'descripton: x',
      'marts/m.yml: (top level): unknown key "descripton" (did you mean "description"?); write one of description, columns, tests',
    ],
    [
      'description: [a]',
      'marts/m.yml: description: expected text, e.g. `description: One row per pull request.`',
    ],
    [
      'description: x\ncolumns:\n  a: { description: A, tets: [unique] }',
      'marts/m.yml: columns.a: unknown key "tets" (did you mean "tests"?)',
    ],
    [
      'description: x\ncolumns:\n  a: { description: The first, and only. }',
      'marts/m.yml: columns.a: unknown key "and only." (a comma inside { … } ends the text before it, so quote text that has one)',
    ],
    [
      'description: x\ncolumns:\n  a: { description: A, tests: [uniqe] }',
      'marts/m.yml: columns.a.tests[0]: unknown test "uniqe" (did you mean unique?); a column test is one of: unique, not_null, accepted_values: [OPEN, MERGED], relationships: { to: dim_repositories, field: repository_uuid }',
    ],
    [
      'description: x\ncolumns:\n  a: { description: A, tests: [accepted_values] }',
      'marts/m.yml: columns.a.tests[0].accepted_values: write `accepted_values: [OPEN, MERGED]`',
    ],
    [
      'description: x\ncolumns:\n  a: { description: A, tests: [{ relationships: { to: m } }] }',
      'marts/m.yml: columns.a.tests[0].relationships: write `relationships: { to: dim_repositories, field: repository_uuid }`',
    ],
    [
      'description: x\ncolumns:\n  a: { description: A, tests: [{ unique: ~, severity: fatal }] }',
      'marts/m.yml: columns.a.tests[0].severity: write `severity: warn` (or error, the default)',
    ],
    [
      'description: x\ncolumns:\n  a: { description: A, tests: [{ unique_combination: [a, b] }] }',
      "marts/m.yml: columns.a.tests[0]: unique_combination is not a column test: put it in the model's tests",
    ],
    [
      `${DOCUMENTED}tests: [unique]`,
      "marts/m.yml: tests[0]: unique is not a model test: put it under a column's tests",
    ],
    [`${DOCUMENTED}tests: [{ unique_combination: [a] }]`, 'marts/m.yml: tests[0].unique_combination: write'],
    [
      'description: x\ncolumns:\n  a: { description: A, tests: [unique, unique] }',
      'marts/m.yml: columns.a.tests[1]: a.unique is listed twice; keep one',
    ],
    ['columns:\n  a: { description: A }', 'marts/m.yml: description: a mart needs a description'],
    [
      'description: x\ncolumns:\n  a:\n  b: { description: B }',
      'marts/m.yml: columns.a: a mart column needs a description (the marts are the metric glossary); write `a: { description: … }`',
    ],
    ['description: x', 'marts/m.yml: columns: a mart lists every column it returns'],
    ['description: x\ncolumns: [a, b]', 'marts/m.yml: columns: expected a mapping of each column'],
    ['description: "unclosed', 'marts/m.yml: Missing closing "quote at line 1'],
    [
      `${DOCUMENTED.replace('b: {', 'b: { tests: [{ relationships: { to: nope, field: x } }],')}`,
      'marts/m.yml: columns.b: relationships to "nope", which is no model of the project',
    ],
    [
      `${DOCUMENTED}tests: [{ unique_combination: [a, c] }]`,
      'marts/m.yml: tests: unique_combination names "c", which is not among the columns',
    ],
  ])('rejects %j', (yml, message) => {
    const load = withYml(yml);
    expect(load).toThrow(ProjectError);
    expect(load).toThrow(message);
  });

  it('names the column a relationships test wants when the target documents its columns', () => {
    const load = withYml(
      DOCUMENTED.replace('b: {', 'b: { tests: [{ relationships: { to: m2, field: bee } }],'),
      {
        'marts/m2.sql': 'select 1 as b',
        'marts/m2.yml': 'description: x\ncolumns:\n  b: { description: B }',
      },
    );
    expect(load).toThrow('marts/m.yml: columns.b: relationships: m2 has no column "bee" in marts/m2.yml');
  });

  it('lists every problem of a file at once', () => {
    const load = withYml('description: x\ncolumns:\n  a:\n  b:');
    expect(load).toThrow('marts/m.yml: columns.a: a mart column needs a description');
    expect(load).toThrow('marts/m.yml: columns.b: a mart column needs a description');
  });

  it('refuses a yml without its model, and a .yaml', () => {
    expect(tempProject({ 'marts/m.sql': 'select 1', 'marts/n.yml': 'description: x' }).project).toThrow(
      "marts/n.yml has no marts/n.sql beside it: a model's documentation sits next to its SQL",
    );
    expect(tempProject({ 'staging/m.sql': 'select 1', 'marts/m.yml': 'description: x' }).project).toThrow(
      'marts/m.yml has no marts/m.sql beside it',
    );
    expect(tempProject({ 'staging/m.sql': 'select 1', 'staging/m.yaml': '' }).project).toThrow(
      'staging/m.yaml: name it staging/m.yml',
    );
  });
});

describe('custom tests and post hooks', () => {
  it('loads tests/*.sql as custom tests: refs, severity from config(), names unique', () => {
    const project = tempProject({
      'staging/s.sql': 'select 1 as id',
      'tests/ids_positive.sql':
        "{{ config(severity='warn') }}\nselect * from {{ ref('s') }} where id <= 0;\n",
    }).project();
    expect(project.tests.map((t) => [t.name, t.path])).toEqual([['ids_positive', 'tests/ids_positive.sql']]);
    expect(planDataTests(pg, project)).toEqual([
      {
        name: 'ids_positive',
        refs: ['s'],
        severity: 'warn',
        sql: 'select * from "staging"."s" where id <= 0',
        params: [],
      },
    ]);
    const bad = tempProject({ 'tests/t.sql': "{{ config(materialized='table') }} select 1" }).project();
    expect(() => planDataTests(pg, bad)).toThrow('test "t": unknown config "materialized" (known: severity)');
    expect(tempProject({ 'tests/a/t.sql': 'select 1', 'tests/b/t.sql': 'select 2' }).project).toThrow(
      'test name "t" is used twice: tests/a/t.sql and tests/b/t.sql',
    );
  });

  it('records post_hook as written and renders each statement with the model (this, ref, var)', () => {
    const project = tempProject({
      'staging/s.sql': 'select 1 as id',
      'marts/m.sql': `{{ config(materialized='table', post_hook=["analyze {{ this }}", "delete from {{ ref('s') }} where id = {{ var('id', 0) }}"]) }}
select 1 as id`,
      'marts/one.sql': `{{ config(post_hook="grant select on {{ this }} to reader") }} select 1 as id`,
      'marts/bad.sql': `{{ config(post_hook=[1]) }} select 1`,
      'marts/none.sql': `{{ config(post_hook=[] if target.type == 'postgres' else ['analyze {{ this }}']) }} select 1`,
    }).project();
    const m = compileModel(pg, project, 'm', { vars: { id: 7 } });
    expect(m.config.postHook).toEqual([
      'analyze {{ this }}',
      "delete from {{ ref('s') }} where id = {{ var('id', 0) }}",
    ]);
    expect(m.postHooks).toEqual(['analyze "marts"."m"', 'delete from "staging"."s" where id = 7']);
    expect(m.refs).toEqual(['s']);
    expect(compileModel(pg, project, 'one').postHooks).toEqual(['grant select on "marts"."one" to reader']);
    expect(() => compileModel(pg, project, 'bad')).toThrow(
      'model "bad": post_hook must be an SQL statement or a list of them',
    );
    // An empty list is no hook, as in dbt (a hook left out on one warehouse).
    expect(compileModel(pg, project, 'none').postHooks).toEqual([]);
  });

  it('suggests close model names for an unknown one', () => {
    const project = tempProject({
      'staging/stg_commits.sql': 'select 1',
      'staging/stg_branches.sql': 'select 1',
    }).project();
    expect(() => compileModel(pg, project, 'stg_comits')).toThrow(
      'unknown model "stg_comits"; did you mean stg_commits?',
    );
  });
});
