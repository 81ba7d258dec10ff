// The data tests of a project, each compiled to a query that returns the offending rows (no rows:
// the test passes): the generic tests of every model's yml, and the custom tests of tests/.
//   not_null            the rows whose column is null
//   unique              each value found more than once, with its count
//   accepted_values     each value outside the list, with its count (nulls are not_null's business)
//   relationships       each value with no row of `to` whose `field` equals it, with its count
//   unique_combination  each combination of the columns found more than once, with its count
import { compileTest, type RelationNamer } from './compile';
import { allTests, type DataTestSpec, type Severity, testLabel } from './modelDoc';
import type { ModelFile, Project } from './project';
import { quoteColumn } from './quote';

export interface DataTest {
  /** `<model>.<column>.<test>`, `<model>.unique_combination(a,b)`, or a custom test's file name. */
  name: string;
  /** The model whose yml holds the test: a failure fails that model. None for custom tests. */
  model?: string;
  /** Every model the query reads. */
  refs: string[];
  severity: Severity;
  sql: string;
  params: unknown[];
  /**
   * not_null, unique, accepted_values and unique_combination: an aggregate over the model's
   * relation that is 0 only when the test passes (else the test runs its own query). A model's
   * screens are read together in one query (testRun.ts), so its passing tests cost one query, not
   * one each: on BigQuery every query is a job, billed 10 MB at least, and a view is computed
   * once, not once a test. `param` makes a placeholder for a value of the shared query.
   */
  screen?: { relation: string; aggregate: (param: (value: unknown) => string) => string };
  /** A generic test: what it checks (to plan it again on the rows a build wrote: onWrittenRows). */
  spec?: DataTestSpec;
}

/**
 * What a screen counts distinct values of, so that the count sorts fast: on Postgres and PGlite a
 * 64-bit hash, which sorts far faster than text or row values (at medium, 63 ms against 100 for
 * 115,000 event keys; six columns, 26 against 93). Values alike hash alike; two values of one hash
 * only send the test to its own query. BigQuery counts the values themselves.
 */
const rowHash = (columns: readonly string[]) => `hash_record_extended(row(${columns.join(', ')}), 0)`;

/** unique's: the column's values, nulls left out as count(distinct …) leaves them. */
function distinctValue(db: RelationNamer, column: string): string {
  return db.dialect === 'bigquery' ? column : `case when ${column} is not null then ${rowHash([column])} end`;
}

/**
 * unique_combination's: one value per combination of the (quoted) columns, nulls alike as GROUP BY
 * has them; on BigQuery, which counts no distinct STRUCT, its JSON text.
 */
function distinctCombination(db: RelationNamer, columns: readonly string[]): string {
  return db.dialect === 'bigquery' ? `to_json_string(struct(${columns.join(', ')}))` : rowHash(columns);
}

/**
 * What a generic test reads: the model's relation, or, given `written` (a table of the rows an
 * incremental build wrote, on Postgres), only what those rows can have made wrong. A row's own
 * checks (not_null, accepted_values, relationships) read the rows written; unique and
 * unique_combination read the model's rows that share a value (or combination) with one of them.
 */
function genericQuery(
  db: RelationNamer,
  project: Project,
  model: ModelFile,
  spec: DataTestSpec,
  written?: string,
): Pick<DataTest, 'sql' | 'params' | 'refs' | 'screen'> {
  const whole = db.table(model.layer, model.name);
  const relation = written ?? whole;
  const q = (name: string) => quoteColumn(db.dialect, name);
  const refs = [model.name];
  switch (spec.kind) {
    case 'not_null': {
      const c = q(spec.column);
      return {
        sql: `select * from ${relation} where ${c} is null`,
        params: [],
        refs,
        screen: { relation, aggregate: () => `count(*) - count(${c})` },
      };
    }
    case 'unique': {
      const c = q(spec.column);
      // (`in` leaves nulls out, as the test does; the column is often the unique_key, indexed.)
      const relation = written
        ? `(select ${c} from ${whole} where ${c} in (select ${c} from ${written})) sharing_written`
        : whole;
      return {
        sql: `select ${c}, count(*) as n_records from ${relation} where ${c} is not null group by ${c} having count(*) > 1`,
        params: [],
        refs,
        screen: {
          relation,
          aggregate: () => `count(${c}) - count(distinct ${distinctValue(db, c)})`,
        },
      };
    }
    case 'accepted_values': {
      const c = q(spec.column);
      const list = spec.values.map((_, i) => `$${i + 1}`).join(', ');
      return {
        sql: `select ${c}, count(*) as n_records from ${relation} where ${c} is not null and ${c} not in (${list}) group by ${c}`,
        params: spec.values,
        refs,
        // (A null is not in the list nor out of it: `not in` is null, and the row is not counted.)
        screen: {
          relation,
          aggregate: (param) =>
            `count(case when ${c} not in (${spec.values.map(param).join(', ')}) then 1 end)`,
        },
      };
    }
    case 'relationships': {
      const target = project.models.get(spec.to) as ModelFile;
      const [c, f] = [`child.${q(spec.column)}`, `parent.${q(spec.field)}`];
      return {
        sql: `select ${c}, count(*) as n_records from ${relation} as child left join ${db.table(target.layer, target.name)} as parent on ${c} = ${f} where ${c} is not null and ${f} is null group by ${c}`,
        params: [],
        refs: [...refs, target.name],
      };
    }
    case 'unique_combination': {
      const quoted = spec.columns.map(q);
      const columns = quoted.join(', ');
      const combination = distinctCombination(db, quoted);
      // (By the combination's hash, which has nulls alike as GROUP BY does, where `in` would not.)
      const relation = written
        ? `(select ${columns} from ${whole} where ${rowHash(quoted)} in (select ${rowHash(quoted)} from ${written})) sharing_written`
        : whole;
      return {
        sql: `select ${columns}, count(*) as n_records from ${relation} group by ${columns} having count(*) > 1`,
        params: [],
        refs,
        screen: { relation, aggregate: () => `count(*) - count(distinct ${combination})` },
      };
    }
  }
}

/** Every data test of the project: each model's yml tests (models alphabetically), then the custom tests. */
export function planDataTests(
  db: RelationNamer,
  project: Project,
  options: { vars?: Readonly<Record<string, unknown>> } = {},
): DataTest[] {
  const tests: DataTest[] = [];
  for (const model of project.models.values()) {
    for (const spec of model.doc ? allTests(model.doc) : []) {
      const name = `${model.name}.${testLabel(spec)}`;
      tests.push({
        name,
        model: model.name,
        severity: spec.severity,
        spec,
        ...genericQuery(db, project, model, spec),
      });
    }
  }
  for (const file of project.tests) {
    const { name, sql, refs, severity } = compileTest(db, project, file, options);
    // A trailing `;` would end the statement the runner wraps the query in.
    tests.push({ name, refs, severity, sql: sql.replace(/;\s*$/, ''), params: [] });
  }
  return tests;
}

/**
 * `test` planned again on the rows an incremental build of its model wrote (`written`), for a
 * model whose tests all passed on its rows before this build: the rows it kept were checked then,
 * so only the rows written can fail now (a row deleted cannot make a test fail, a duplicate needs
 * a row written). Kept as it is: a custom test; a test at severity warn, whose offending rows are
 * reported again each run; a relationships test whose `to` model changed this run (a parent gone
 * orphans rows kept).
 */
export function onWrittenRows(
  db: RelationNamer,
  project: Project,
  test: DataTest,
  written: string,
  changedThisRun: (model: string) => boolean,
): DataTest {
  const { spec, model } = test;
  const file = model ? project.models.get(model) : undefined;
  if (!spec || !file || spec.severity === 'warn') return test;
  if (spec.kind === 'relationships' && changedThisRun(spec.to)) return test;
  return { ...test, ...genericQuery(db, project, file, spec, written) };
}
