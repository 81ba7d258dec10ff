// No text from outside reaches SQL unquoted: every `${…}` in a SQL template of the product code is
// either provably safe (see sqlTemplates.ts) or reviewed below. A new unproven one fails here with
// its file:line; pass the value as a $n parameter, quote it with table()/quotePgIdent(), or, if it
// is SQL our own code wrote, add it below with the reason.
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unprovenSqlInterpolations } from './sqlTemplates';

const ROOT = resolve(import.meta.dirname, '../..');
const SCANNED = ['warehouse', 'transforms', 'web', 'activities', 'scripts'];
/** Parsed for their types only. */
const CONTEXT = ['bitbucket', 'client', 'lib', 'services', 'worker', 'workflows'];

/** file → interpolated expression → why it is safe. */
const REVIEWED: Record<string, Record<string, string>> = {
  'warehouse/raw/postgres.ts': {
    source: 'the temp table or jsonb_to_recordset($n) its two callers pass',
  },
  'warehouse/raw/bigquery.ts': {
    s: 'the staging table withStagingTable names through db.table()',
    stageTable: 'the staging table withStagingTable names through db.table()',
    where: 'built from literal SQL and $n placeholders; keepClause is one of three literal clauses',
  },
  'warehouse/migrate.ts': {
    'JSON.stringify(migration.id)':
      "a migration id of the project's own code, as a JSON string: a BigQuery string literal, quotes and backslashes escaped",
  },
  'warehouse/rawQueries.ts': {
    selectList:
      'record_key, parent_key and jsonText() of checked paths, aliases checked against [A-Za-z0-9_]+',
    where:
      'filterOf(): fixed column names, jsonText()/jsonPresent() of checked paths, every value a $n parameter',
  },
  'transforms/dataTests.ts': {
    c: 'a column of the SQL project, quoted by quoteColumn()',
    f: 'a column of the SQL project, quoted by quoteColumn()',
    columns: 'columns of the SQL project, quoted by quoteColumn()',
    written: 'a relation from db.table(): the rows an incremental build wrote (materialize.ts)',
    relation:
      'a relation from db.table() (the model, or the rows written), or a subquery of the two with quoted columns',
  },
  'transforms/describe.ts': {
    relation: 'a relation name from db.table()',
    'pgLiteral(description)': "the project's descriptions, as an E'' literal with \\ and ' doubled",
    'pgLiteral(c.description)': "the project's descriptions, as an E'' literal with \\ and ' doubled",
  },
  'transforms/run.ts': { 'model.relation': "the compiled model's relation, from db.table()" },
  'transforms/testRun.ts': {
    offending: "a data test's SQL: compiled from the project's own files",
    relation: 'a relation name from db.table()',
  },
  'transforms/materialize.ts': {
    'model.relation': 'the model relation, from db.table()',
    'model.sql': "the model's SQL: compiled from the project's own files",
    partition: "the model's partition_by config, from the project's own files",
    remove:
      "a delete of the model relation where its unique_key matches a staged row, or the project's incremental_predicates hold",
    a: 'a relation from db.table() (the model, or its staged table)',
    b: 'a relation from db.table() (the model, or its staged table)',
    "cols.map((c) => alias + c).join(', ')": 'unique_key columns of the project, quoted, with a fixed alias',
    "cols.join(', ')": 'unique_key columns of the project, quoted',
    staged: 'a relation from db.table(), or the quoted name of a temporary table',
    deleting: 'a count of the rows `remove` deletes, or 0',
    written: 'a relation from db.table(): the rows an incremental build wrote, dropped by dropWrittenRows',
    'EVALUATED_TYPES[first.type].read(dialect, first.expression)':
      "an evaluated_first() subquery (compiled from the project's own files) in a fixed cast or format call",
  },
  'warehouse/modelBuilds.ts': {
    source: 'rows of `$n` placeholders, cast',
    "values.join(', ')": 'rows of `$n` placeholders, cast',
  },
  'web/dashboard/reclaimableSeats.ts': {
    teamCondition: 'one of two literal conditions whose values are $n parameters',
  },
  'web/dashboard/seatSpend.ts': { key: "the literal 'team_key' or 'workspace_uuid', picked by the filter" },
  'web/dashboard/dora.ts': { "MONTHLY.map(([c]) => c).join(', ')": 'column names of a constant table' },
  'web/dashboard/seats.ts': {
    "source.metrics.map((m) => m.column).join(', ')": 'column names of a constant table',
    'source.key[0]': 'a key column of a constant table',
  },
};

function tsFiles(dirs: string[]): string[] {
  return dirs.flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
      .map((f) => join(ROOT, dir, f)),
  );
}

describe('security: SQL text is built only from safe parts', () => {
  const found = unprovenSqlInterpolations(ROOT, tsFiles(SCANNED), [
    ...tsFiles(CONTEXT),
    join(ROOT, 'temporal.config.ts'),
  ]);

  it(`every unproven \${…} in a SQL template of ${SCANNED.join('/, ')}/ is a reviewed one`, () => {
    const unreviewed = found
      .filter((i) => REVIEWED[i.file]?.[i.expression] === undefined)
      .map((i) => `${i.file}:${i.line}  \${${i.expression}}`);
    expect(unreviewed).toEqual([]);
  });

  it('every reviewed expression still exists (the list stays as short as the code allows)', () => {
    const stale = Object.entries(REVIEWED).flatMap(([file, expressions]) =>
      Object.keys(expressions)
        .filter((expression) => !found.some((i) => i.file === file && i.expression === expression))
        .map((expression) => `${file}  \${${expression}}`),
    );
    expect(stale).toEqual([]);
  });
});
