// `bbetl transform`, `transform compile` and `transform docs` as a user runs them: real child
// processes on the embedded warehouse (PGlite in a temporary data dir). No Temporal needed.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDocs } from '../../transforms/docs';
import { loadProject } from '../../transforms/project';
import { FIXTURES, tempProjects } from '../transforms/support';
import { bbetl, cliDataDir } from './run';

const TESTED = join(FIXTURES, 'tested');
const THINGS = join(FIXTURES, 'project');
const tempProject = tempProjects();

describe('bbetl transform', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    dataDir = cliDataDir('bbetl-cli-transform-');
    const { WAREHOUSE, PGLITE_DIR, DATABASE_URL, ...inherited } = process.env;
    env = { ...inherited, BBETL_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  });
  afterAll(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('builds and tests the project, prints a row per model and what failed with its rows, and exits 1', async () => {
    const run = await bbetl(['transform', '--project', TESTED], env);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^model\s+materialized\s+status\s+ms\s+rows\s+tests\n/);
    expect(run.stdout).toMatch(/\nchecked\s+view\s+success\s+\d+\s+5 pass\n/);
    expect(run.stdout).toMatch(/\ndup_ids\s+view\s+error\s+\d+\s+1 fail\n/);
    expect(run.stdout).toMatch(/\nafter_dup_ids\s+table\s+skipped\s+0\n/);
    expect(run.stdout).toContain(
      '\ndup_ids failed: test dup_ids.id.unique failed: 1 offending row:\n  id  n_records\n  1   2\n',
    );
    expect(run.stdout).toContain('\ntest no_odd_states failed: 1 offending row:\n  state\n  ODD\n');
    expect(run.stdout).toContain('\nwarning: test warned.state.accepted_values: 1 offending row:\n');
    expect(run.stdout).toMatch(
      /\ntransform run \S+ failed: 9 models \(5 failed\), tests: 6 pass, 6 fail, 1 warn\n$/,
    );
  }, 120_000);

  it('prints each warning with its offending rows and their count, and succeeds (exit 0)', async () => {
    const { dir } = tempProject({
      'staging/runs.sql':
        "select 'SUCCESSFUL' as result, 'PUSH' as trigger_name union all select 'FROZEN', null union all select 'EXPIRED', null",
      'staging/runs.yml': [
        'columns:',
        '  result: { tests: [{ accepted_values: [SUCCESSFUL, EXPIRED], severity: warn }] }',
        '  trigger_name: { tests: [{ not_null, severity: warn }] }',
      ].join('\n'),
    });
    const run = await bbetl(['transform', '--project', dir], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^model\s+materialized\s+status.*\nruns\s+view\s+success\s+\d+\s+2 warn\n/);
    expect(run.stdout).toContain(
      '\nwarning: test runs.result.accepted_values: 1 offending row:\n  result  n_records\n  FROZEN  1\n',
    );
    expect(run.stdout).toMatch(
      /\nwarning: test runs\.trigger_name\.not_null: 2 offending rows:\n {2}result {3}trigger_name\n( {2}(FROZEN|EXPIRED)\s+null\n){2}/,
    );
    expect(run.stdout).toMatch(/\ntransform run \S+ succeeded: 1 models, tests: 2 warn\n$/);
  }, 120_000);

  it('runs a selection, exiting 0 when it passes; an unknown model in --select is a usage error', async () => {
    const run = await bbetl(['transform', '--project', TESTED, '--select', 'codes', 'checked'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^model\s+materialized\s+status.*\ncodes\s+view\s+success.*\nchecked\s+view\s+success/,
    );
    expect(run.stdout).toMatch(/transform run \S+ succeeded: 2 models, tests: 6 pass\n$/);

    const typo = await bbetl(['transform', '--project', TESTED, '--select', 'chekced+'], env);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(
      'error: unknown model "chekced" in selector "chekced+"; did you mean checked?',
    );
  }, 120_000);

  it('compiles a model for the configured warehouse without connecting to it', async () => {
    const pg = await bbetl(
      ['transform', 'compile', 'dim_things', '--project', THINGS, '--var', 'admin_role=owner'],
      env,
    );
    expect(pg.code, pg.stderr).toBe(0);
    expect(pg.stdout).toContain('from "staging"."stg_things"');
    expect(pg.stdout).toContain("role = 'owner' as is_admin");

    const bigquery = {
      ...env,
      WAREHOUSE: 'bigquery',
      BIGQUERY_PROJECT: 'acme-analytics',
      BIGQUERY_API_ENDPOINT: 'http://127.0.0.1:9',
    };
    const bq = await bbetl(
      ['transform', 'compile', 'fct_thing_roles', '--project', THINGS, '--incremental'],
      bigquery,
    );
    expect(bq.code, bq.stderr).toBe(0);
    expect(bq.stdout).toContain('from `acme-analytics.bbetl_marts.dim_things`');
    expect(bq.stdout).toContain(
      'where role in (select role from `acme-analytics.bbetl_marts.fct_thing_roles`)',
    );

    const unknown = await bbetl(['transform', 'compile', 'dim_thing', '--project', THINGS], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error: unknown model "dim_thing"; did you mean dim_things?');
  }, 120_000);

  it('writes the model docs and the glossary', async () => {
    const out = join(dataDir, 'docs');
    const docs = await bbetl(['transform', 'docs', '--project', TESTED, '--out', out], env);
    expect(docs.code, docs.stderr).toBe(0);
    expect(docs.stdout).toBe(`wrote ${join(out, 'models.md')}, ${join(out, 'glossary.md')}\n`);
    const expected = renderDocs(loadProject(TESTED));
    expect(readFileSync(join(out, 'models.md'), 'utf8')).toBe(expected['models.md']);
    expect(readFileSync(join(out, 'glossary.md'), 'utf8')).toBe(expected['glossary.md']);
  }, 120_000);

  it('reports a broken project in one line of what to fix (exit 1), and mistakes in the call as usage errors (exit 2)', async () => {
    const { dir } = tempProject({ 'marts/m.sql': 'select 1 as a', 'marts/m.yml': 'descripton: x' });
    const broken = await bbetl(['transform', 'docs', '--project', dir, '--out', join(dataDir, 'x')], env);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^error: marts\/m\.yml: \(top level\): unknown key "descripton"/);
    expect(broken.stderr).not.toMatch(/\n\s+at /);

    const cases: Array<[string[], string]> = [
      [['transform', '--bogus'], "error: unknown option '--bogus'"],
      [
        ['transform', '--var', 'novalue'],
        "argument 'novalue' is invalid. expected key=value, e.g. --var since=2025-01-01",
      ],
      [['transform', 'compile'], "error: missing required argument 'model'"],
      [['transform', 'docs', '--select', 'x'], "error: unknown option '--select'"],
      [['transform', 'extra'], "error: too many arguments for 'transform'"],
    ];
    const results = await Promise.all(cases.map(([args]) => bbetl(args, env)));
    results.forEach((result, i) => {
      const [args, message] = cases[i] as [string[], string];
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain(message);
    });
  }, 120_000);
});
