// Data tests (each kind passing and failing, warn, custom), post hooks, skipping after a failed
// test, and the transform ledger, on every engine. The fixture `tested/` holds one model per
// failing test kind and one model passing them all.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { runProject } from '../../transforms/run';
import {
  failedNodes,
  runTransformProject,
  TransformFailedError,
  type TransformOutcome,
} from '../../transforms/service';
import { listTransformRun, recordTransformRun } from '../../warehouse/transformLedger';
import { recordingEngine } from '../support/recordingEngine';
import { describeEachWarehouse, useMigratedWarehouse } from '../support/warehouse';
import { FIXTURES, tempProjects } from './support';

const TESTED = join(FIXTURES, 'tested');
const tempProject = tempProjects();
/** The tests of the model `checked`, and the custom test that reads it: all pass. */
const CHECKED_TESTS = [
  ['checked.id.unique', 'pass'],
  ['checked.id.not_null', 'pass'],
  ['checked.state.accepted_values', 'pass'],
  ['checked.code.relationships', 'pass'],
  ['checked.unique_combination(a,b)', 'pass'],
  ['checked_ids_present', 'pass'],
];

describeEachWarehouse('data tests, post hooks and the transform ledger', (engine) => {
  const fx = useMigratedWarehouse(engine, { setup: 240_000 });
  let outcome: TransformOutcome;
  const model = (name: string) => outcome.results.models.find((m) => m.name === name);
  const test = (name: string) => outcome.results.tests.find((t) => t.name === name);

  beforeAll(async () => {
    outcome = await runTransformProject(fx.db, {
      projectDir: TESTED,
      trigger: 'test',
      runId: `run-${fx.wh.name}`,
    });
  }, 240_000);

  it('builds parents first (and a relationships target before the model tested against it), each model followed by its tests', () => {
    expect(outcome.results.models.map((m) => [m.name, m.status])).toEqual([
      ['bad_states', 'error'],
      ['codes', 'success'],
      ['checked', 'success'],
      ['dup_ids', 'error'],
      ['after_dup_ids', 'skipped'],
      ['dup_pairs', 'error'],
      ['null_ids', 'error'],
      ['orphans', 'error'],
      ['warned', 'success'],
    ]);
    expect(outcome.results.tests.map((t) => [t.name, t.status])).toEqual([
      ['bad_states.state.accepted_values', 'fail'],
      ...CHECKED_TESTS,
      ['dup_ids.id.unique', 'fail'],
      ['dup_pairs.unique_combination(a,b)', 'fail'],
      ['null_ids.id.not_null', 'fail'],
      ['orphans.code.relationships', 'fail'],
      ['warned.state.accepted_values', 'warn'],
      ['no_odd_states', 'fail'],
    ]);
    const checkedTests = outcome.results.tests.filter((t) => t.model === 'checked');
    for (const t of checkedTests) {
      expect(t.startedAt.getTime()).toBeGreaterThanOrEqual(model('checked')?.startedAt.getTime() as number);
      expect(t.startedAt.getTime()).toBeLessThanOrEqual(model('dup_ids')?.startedAt.getTime() as number);
    }
  });

  it('fails the model of a failing test with the test name and the offending rows, and skips its descendants', () => {
    expect(model('dup_ids')?.error).toMatch(
      /^test dup_ids\.id\.unique failed: 1 offending row:\n {2}id\s+n_records\n {2}1\s+2$/,
    );
    expect(model('null_ids')?.error).toMatch(
      /^test null_ids\.id\.not_null failed: 1 offending row:\n {2}id\s+note\n {2}null\s+second$/,
    );
    expect(model('bad_states')?.error).toMatch(
      /^test bad_states\.state\.accepted_values failed: 1 offending row:\n {2}state\s+n_records\n {2}BOGUS\s+2$/,
    );
    expect(model('orphans')?.error).toMatch(
      /^test orphans\.code\.relationships failed: 1 offending row:\n {2}code\s+n_records\n {2}zz\s+1$/,
    );
    expect(model('dup_pairs')?.error).toMatch(
      /^test dup_pairs\.unique_combination\(a,b\) failed: 1 offending row:\n {2}a\s+b\s+n_records\n {2}1\s+x\s+2$/,
    );
    expect(model('after_dup_ids')).toMatchObject({
      status: 'skipped',
      error: 'upstream "dup_ids" failed',
      rows: null,
    });
    expect(test('dup_ids.id.unique')).toMatchObject({
      failures: 1,
      sample: [{ id: 1, n_records: expect.anything() }],
    });
    expect(Number(test('dup_ids.id.unique')?.sample[0]?.n_records)).toBe(2);
  });

  it('reports a warn test without failing its model; runs custom tests once their models are built', () => {
    expect(model('warned')?.status).toBe('success');
    expect(model('warned')?.error).toBeUndefined();
    expect(test('warned.state.accepted_values')).toMatchObject({
      severity: 'warn',
      status: 'warn',
      failures: 1,
    });
    expect(test('warned.state.accepted_values')?.error).toMatch(
      /^1 offending row:\n {2}state\s+n_records\n {2}ODD\s+1$/,
    );
    expect(test('no_odd_states')).toMatchObject({
      model: undefined,
      status: 'fail',
      failures: 1,
      sample: [{ state: 'ODD' }],
    });
    expect(test('checked_ids_present')).toMatchObject({ severity: 'warn', status: 'pass', failures: 0 });
    expect(outcome.ok).toBe(false);
    expect(failedNodes(outcome.results).map((n) => n.name)).toEqual([
      'bad_states',
      'dup_ids',
      'dup_pairs',
      'null_ids',
      'orphans',
      'bad_states.state.accepted_values',
      'dup_ids.id.unique',
      'dup_pairs.unique_combination(a,b)',
      'null_ids.id.not_null',
      'orphans.code.relationships',
      'no_odd_states',
    ]);
    const error = new TransformFailedError(outcome);
    expect(error.runId).toBe(outcome.runId);
    expect(error.message).toContain(
      `transform run ${outcome.runId} failed:\n  bad_states: test bad_states.state.accepted_values failed`,
    );
  });

  it('records every model and test of the run in etl_meta.transform_runs, with timing; recording again replaces them', async () => {
    const rows = await listTransformRun(fx.db, outcome.runId);
    expect(rows).toHaveLength(outcome.results.models.length + outcome.results.tests.length);
    for (const row of rows) {
      expect(row).toMatchObject({ runId: outcome.runId, triggeredBy: 'test' });
      expect(Number.isInteger(row.ms) && row.ms >= 0).toBe(true);
      expect(row.startedAt).toBeInstanceOf(Date);
      expect(Math.abs(row.startedAt.getTime() - Date.now())).toBeLessThan(600_000);
    }
    const byNode = (node: string) => rows.find((r) => r.node === node);
    expect(byNode('dup_ids')).toMatchObject({
      kind: 'model',
      materialized: 'view',
      status: 'error',
      rowCount: null,
    });
    expect(byNode('dup_ids')?.error).toContain('test dup_ids.id.unique failed: 1 offending row');
    expect(byNode('after_dup_ids')).toMatchObject({
      materialized: 'table',
      status: 'skipped',
      error: 'upstream "dup_ids" failed',
    });
    expect(byNode('codes')).toMatchObject({ status: 'success', error: null });
    expect(byNode('checked.id.unique')).toMatchObject({
      kind: 'test',
      materialized: null,
      status: 'pass',
      rowCount: 0,
      error: null,
    });
    expect(byNode('bad_states.state.accepted_values')).toMatchObject({ status: 'fail', rowCount: 1 });
    // a test's offending rows as text cells; a model or a passing test has none
    expect(byNode('warned.state.accepted_values')).toMatchObject({
      status: 'warn',
      rowCount: 1,
      sample: { columns: ['state', 'n_records'], rows: [['ODD', '1']] },
    });
    expect(byNode('dup_ids')?.sample).toBeNull();
    expect(byNode('checked.id.unique')?.sample).toBeNull();

    const [first] = rows;
    await recordTransformRun(fx.db, {
      runId: outcome.runId,
      triggeredBy: 'retry',
      nodes: first ? [first] : [],
    });
    await recordTransformRun(fx.db, {
      runId: outcome.runId,
      triggeredBy: 'retry',
      nodes: first ? [first] : [],
    });
    expect((await listTransformRun(fx.db, outcome.runId)).map((r) => [r.node, r.triggeredBy])).toEqual([
      [first?.node, 'retry'],
    ]);
  });

  it('with a selection, runs the selected models tests and the custom tests that ref them, reading other models as they are', async () => {
    const selected = await runTransformProject(fx.db, {
      projectDir: TESTED,
      trigger: 'test',
      select: ['checked'],
    });
    expect(selected.ok).toBe(true);
    expect(selected.results.models.map((m) => m.name)).toEqual(['checked']);
    expect(selected.results.tests.map((t) => [t.name, t.status])).toEqual([...CHECKED_TESTS]);
  }, 120_000);

  it('shows the first 10 offending rows and counts them all', async () => {
    const values = Array.from({ length: 12 }, (_, i) => `select ${i} as v union all select ${i}`);
    const { project } = tempProject({
      'staging/many.sql': values.join(' union all '),
      'staging/many.yml': 'columns:\n  v: { tests: [unique] }',
    });
    const { models, tests } = await runProject(fx.db, project());
    expect(tests[0]).toMatchObject({ status: 'fail', failures: 12 });
    expect(tests[0]?.sample).toHaveLength(10);
    expect(models[0]?.error).toMatch(/^test many\.v\.unique failed: 12 offending rows \(the first 10\):\n/);
    expect(models[0]?.error?.split('\n')).toHaveLength(12);
  }, 120_000);

  it('screens a model’s not_null, unique, accepted_values and unique_combination tests in one query; a failing one still shows its rows; a refused screen falls back to each test alone', async () => {
    const { project } = tempProject({
      // id repeats, code has a null, note has a value outside its list: the other column tests
      // pass (code's null is not_null's business, not accepted_values').
      'staging/screened.sql': `select 1 as id, 'a' as note, 'x' as code
        union all select 2, 'b', null union all select 2, 'c', 'y'`,
      'staging/screened.yml':
        'columns:\n  id: { tests: [unique, not_null] }\n  note: { tests: [unique, not_null, accepted_values: [a, b]] }\n  code: { tests: [not_null, accepted_values: [x, y]] }',
      // Combinations: (a, b) repeats with b null (nulls alike, as GROUP BY has them); (a, c) does
      // not. d repeats beside a null (which unique leaves out).
      'staging/paired.sql': `select 1 as a, cast(null as integer) as b, 'p' as c, 5 as d
        union all select 1, null, 'q', 5 union all select 2, 3, 'r', null`,
      'staging/paired.yml':
        'columns:\n  a: { tests: [not_null] }\n  b: {}\n  c: {}\n  d: { tests: [unique] }\ntests:\n  - unique_combination: [a, b]\n  - unique_combination: [a, c]',
      // One test alone is screened too (an aggregate, cheaper than its GROUP BY).
      'staging/single.sql': `select 1 as id union all select 2`,
      'staging/single.yml': 'columns:\n  id: { tests: [unique] }',
      // A column the model lacks: the shared screen fails, so each test runs its own query.
      'staging/ghosted.sql': `select 1 as id`,
      'staging/ghosted.yml': 'columns:\n  id: { tests: [unique, not_null] }\n  ghost: { tests: [not_null] }',
    });
    const { engine: counting, statements: queries } = recordingEngine(fx.db);
    const { tests } = await runProject(counting, project());
    expect(tests.map((t) => [t.name, t.status, t.failures])).toEqual([
      ['ghosted.id.unique', 'pass', 0],
      ['ghosted.id.not_null', 'pass', 0],
      ['ghosted.ghost.not_null', 'error', null],
      ['paired.a.not_null', 'pass', 0],
      ['paired.d.unique', 'fail', 1],
      ['paired.unique_combination(a,b)', 'fail', 1],
      ['paired.unique_combination(a,c)', 'pass', 0],
      ['screened.id.unique', 'fail', 1],
      ['screened.id.not_null', 'pass', 0],
      ['screened.note.unique', 'pass', 0],
      ['screened.note.not_null', 'pass', 0],
      ['screened.note.accepted_values', 'fail', 1],
      ['screened.code.not_null', 'fail', 1],
      ['screened.code.accepted_values', 'pass', 0],
      ['single.id.unique', 'pass', 0],
    ]);
    expect(tests[4]?.error).toMatch(/^1 offending row:\n {2}d\s+n_records\n {2}5\s+2$/);
    expect(tests[5]?.error).toMatch(/^1 offending row:\n {2}a\s+b\s+n_records\n {2}1\s+null\s+2$/);
    expect(tests[7]?.error).toMatch(/^1 offending row:\n {2}id\s+n_records\n {2}2\s+2$/);
    expect(tests[11]?.error).toMatch(/^1 offending row:\n {2}note\s+n_records\n {2}c\s+1$/);
    expect(tests[12]?.error).toMatch(/^1 offending row:\n {2}id\s+note\s+code\n {2}2\s+b\s+null$/);
    expect(tests[2]?.error).toMatch(/ghost/);
    // screened and paired: one screen, then one query for each failing test's rows; ghosted: the
    // failed screen, then each test alone.
    const reading = (model: string) =>
      queries.filter(
        (q) =>
          q.includes(fx.db.table('staging', model)) && !/limit 0|^\s*(create|drop|comment|alter)/i.test(q),
      );
    expect(reading('screened')).toHaveLength(4);
    expect(reading('paired')).toHaveLength(3);
    expect(reading('single')).toEqual([expect.stringMatching(/^select count\(/)]);
    expect(reading('ghosted')).toHaveLength(4);
  }, 120_000);

  it('runs post hooks after materializing, for tables, incremental models and views', async () => {
    const { project } = tempProject({
      'marts/hooked.sql': `{{ config(materialized='table', post_hook=["insert into {{ this }} (n) values (2)", "update {{ this }} set n = n * 10 where true"]) }}
select 1 as n`,
      'marts/hooked_incr.sql': `{{ config(materialized='incremental', unique_key='n', post_hook="delete from {{ this }} where n = 3") }}
select 3 as n union all select 4`,
      'staging/hooked_view.sql': `{{ config(post_hook="select no_such_column from {{ this }}") }} select 1 as n`,
    });
    const numbers = async (name: string) =>
      (await fx.db.query(`select n from ${fx.db.table('marts', name)}`)).map((r) => Number(r.n)).sort();
    // Selected, every model is built each round (a whole run would find them current).
    const select = ['hooked', 'hooked_incr', 'hooked_view'];
    for (const round of [1, 2]) {
      const { models } = await runProject(fx.db, project(), { select });
      expect(
        models.map((m) => [m.name, m.status, m.rows]),
        `round ${round}`,
      ).toEqual([
        ['hooked', 'success', 2],
        ['hooked_incr', 'success', 1],
        ['hooked_view', 'error', null],
      ]);
      expect(models[2]?.error).toMatch(/^post_hook 1 failed: .*no_such_column/);
      expect(await numbers('hooked')).toEqual([10, 20]);
      expect(await numbers('hooked_incr')).toEqual([4]);
    }
    // A whole run: the models that passed are current, their hooks not run again; the one whose
    // hook failed is built again.
    const { models } = await runProject(fx.db, project());
    expect(models.map((m) => [m.name, m.status])).toEqual([
      ['hooked', 'current'],
      ['hooked_incr', 'current'],
      ['hooked_view', 'error'],
    ]);
    expect(await numbers('hooked')).toEqual([10, 20]);
  }, 180_000);
});

describeEachWarehouse(
  'the tests of an incremental build read the rows it wrote',
  (engine) => {
    const fx = useMigratedWarehouse(engine);
    // Appends the input rows past the newest `seq` it holds. `parent` must name a row of parents,
    // `id` is unique, `kind` a or b; `note` is checked at severity warn.
    const parentsOf = (ids: number[]) => ids.map((id) => `select ${id} as id`).join(' union all ');
    const { dir, project } = tempProject({
      'intermediate/parents.sql': parentsOf([1, 2, 3]),
      'intermediate/appended.sql': `{{ config(materialized='incremental') }}
select seq, id, kind, parent, note from {{ source('etl_meta', 'wr_input') }}
{% if is_incremental() %}where seq > (select max(seq) from {{ this }}){% endif %}`,
      'intermediate/appended.yml': `columns:
  id: { tests: [unique, not_null] }
  kind: { tests: [{ accepted_values: [a, b] }] }
  parent: { tests: [{ relationships: { to: parents, field: id } }] }
  note: { tests: [{ not_null: {}, severity: warn }] }
tests:
  - unique_combination: [id, kind]
`,
    });
    const input = () => fx.db.table('etl_meta', 'wr_input');
    const run = async () => {
      const { engine: recording, statements } = recordingEngine(fx.db);
      const { tests } = await runProject(recording, project());
      const of = (name: string) => tests.find((t) => t.name === `appended.${name}`);
      return { statements, of, tests };
    };
    const add = (rows: string) =>
      fx.db.query(`insert into ${input()} (seq, id, kind, parent, note) values ${rows}`);

    it('reads only the rows written, finds what they break (a duplicate of a row kept among them), and reads the whole model for warn tests and a changed parent', async () => {
      await fx.db.query(`create table ${input()} (seq int, id int, kind text, parent int, note text)`);
      await add("(1, 1, 'a', 1, null), (2, 2, 'b', 2, 'x'), (3, 3, 'a', 3, 'x')");
      const first = await run();
      expect(first.tests.map((t) => [t.name, t.status, t.failures])).toEqual([
        ['appended.id.unique', 'pass', 0],
        ['appended.id.not_null', 'pass', 0],
        ['appended.kind.accepted_values', 'pass', 0],
        ['appended.parent.relationships', 'pass', 0],
        ['appended.note.not_null', 'warn', 1],
        ['appended.unique_combination(id,kind)', 'pass', 0],
      ]);

      // A row kept, edited by hand, breaks no test of the next build: they read the rows written
      // (the warn test, run whole, still reports the note it found before).
      await fx.db.query(`update ${fx.db.table('intermediate', 'appended')} set kind = 'edited' where id = 1`);
      await add("(4, 4, 'b', 1, 'x')");
      const second = await run();
      expect(second.tests.map((t) => [t.name, t.status, t.failures])).toEqual(
        first.tests.map((t) => [t.name, t.status, t.failures]),
      );
      const written = second.statements.filter((s) => s.includes('appended__bbetl_written'));
      expect(written.some((s) => s.startsWith('select count('))).toBe(true);
      expect(written.some((s) => s.includes('as child'))).toBe(true);
      // Dropped once tested.
      expect(second.statements.at(-1)).not.toContain('appended__bbetl_written');
      expect(
        await fx.db.query(
          `select table_name from information_schema.tables where table_name like '%bbetl_written'`,
        ),
      ).toEqual([]);

      // Rows that break each test: the one whose id a row kept has, a kind not accepted, a parent
      // not there, a null id.
      await add("(5, 2, 'c', 9, 'x'), (6, null, 'a', 2, 'x')");
      const third = await run();
      expect(third.tests.map((t) => [t.name, t.status, t.failures])).toEqual([
        ['appended.id.unique', 'fail', 1],
        ['appended.id.not_null', 'fail', 1],
        ['appended.kind.accepted_values', 'fail', 1],
        ['appended.parent.relationships', 'fail', 1],
        ['appended.note.not_null', 'warn', 1],
        ['appended.unique_combination(id,kind)', 'pass', 0],
      ]);
      expect(third.of('id.unique')?.sample).toEqual([{ id: 2, n_records: expect.anything() }]);

      // After a failed test the model is built again in full (the row edited by hand is gone).
      await fx.db.query(`delete from ${input()} where seq >= 5`);
      await add("(7, 7, 'a', 2, 'x')");
      const fourth = await run();
      expect(fourth.tests.map((t) => t.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'warn', 'pass']);
      expect(fourth.statements.some((s) => s.includes('appended__bbetl_written'))).toBe(false);

      // A parent dropped orphans a row kept: the relationships test reads every row.
      writeFileSync(join(dir, 'intermediate/parents.sql'), parentsOf([1, 2]));
      await add("(8, 8, 'a', 2, 'x')");
      const fifth = await run();
      expect(fifth.of('parent.relationships')?.sample).toEqual([{ parent: 3, n_records: expect.anything() }]);
    });

    it('after a run that could not run one of its tests, the next builds the model again and tests every row', async () => {
      const { project: kinship } = tempProject({
        'intermediate/dads.sql': 'select 1 as id',
        'intermediate/kids.sql': `{{ config(materialized='incremental') }}
select 1 as id, 1 as dad
{% if is_incremental() %}where false{% endif %}`,
        'intermediate/kids.yml': 'columns:\n  dad: { tests: [{ relationships: { to: dads, field: id } }] }\n',
      });
      // Selected alone, before dads exists: its relationships test cannot run.
      const alone = await runProject(fx.db, kinship(), { select: ['kids'] });
      expect(alone.tests.map((t) => [t.name, t.status])).toEqual([['kids.dad.relationships', 'skipped']]);
      // A row no build wrote: only a test of every row sees it.
      await fx.db.query(`insert into ${fx.db.table('intermediate', 'kids')} (id, dad) values (2, 9)`);
      const { engine: recording, statements } = recordingEngine(fx.db);
      const whole = await runProject(recording, kinship());
      expect(whole.models.map((m) => [m.name, m.status, m.build])).toEqual([
        ['dads', 'success', undefined],
        ['kids', 'error', { incremental: true }],
      ]);
      expect(whole.tests[0]?.sample).toEqual([{ dad: 9, n_records: expect.anything() }]);
      expect(statements.some((s) => s.includes('kids__bbetl_written') && s.includes('as child'))).toBe(false);
    });
  },
  ['pglite', 'postgres'],
);
