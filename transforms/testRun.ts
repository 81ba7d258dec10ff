// Runs data tests: each one's first offending rows, and how many there are. Fewer rows than the
// sample holds means that is all of them, so a passing test costs one query, a failing one two;
// a model's not_null, unique, accepted_values and unique_combination tests first share one
// screening query, which settles the passing.

import { formatTable } from '../lib/table';
import type { Queryable, Row } from '../warehouse/engine';
import type { SampleCells } from '../warehouse/transformLedger';
import type { DataTest } from './dataTests';
import { errorMessage } from './errors';
import type { Severity } from './modelDoc';

/** How many offending rows a result keeps (and a message shows). */
export const SAMPLE_ROWS = 10;
const CELL_WIDTH = 60;

/** pass: no offending rows; fail / warn: some, at severity error / warn; error: the query failed. */
export type TestStatus = 'pass' | 'fail' | 'warn' | 'error' | 'skipped';

export interface TestResult {
  name: string;
  /** The model whose yml holds the test; none for custom tests. */
  model?: string;
  severity: Severity;
  status: TestStatus;
  startedAt: Date;
  ms: number;
  /** How many offending rows the test found; null when it did not run. */
  failures: number | null;
  /** The first offending rows (at most SAMPLE_ROWS). */
  sample: Row[];
  /** fail / warn: the offending rows as a small table; error: why the query failed; skipped: why it did not run. */
  error?: string;
}

/** An error, or offending rows at severity error: the test fails its model (and the run). */
export function testFailed(result: TestResult): boolean {
  return result.status === 'fail' || result.status === 'error';
}

function cellText(value: unknown): string {
  const text =
    value === null || value === undefined
      ? 'null'
      : value instanceof Date
        ? value.toISOString()
        : typeof value === 'object'
          ? // BigQuery's DATE, TIMESTAMP and NUMERIC values are objects holding `value`
            'value' in value
            ? String(value.value)
            : JSON.stringify(value)
          : String(value);
  return text.length > CELL_WIDTH ? `${text.slice(0, CELL_WIDTH - 1)}…` : text;
}

/** Offending rows as text cells: what a message shows, and what the transform ledger keeps of them. */
export function sampleCells(sample: readonly Row[]): SampleCells {
  const columns = Object.keys(sample[0] ?? {});
  return { columns, rows: sample.map((row) => columns.map((c) => cellText(row[c]))) };
}

/** "2 offending rows:" and the rows as an indented table. */
function describeOffendingRows(failures: number, sample: readonly Row[]): string {
  const shown = failures > sample.length ? ` (the first ${sample.length})` : '';
  const { columns, rows } = sampleCells(sample);
  const table = formatTable([columns, ...rows]);
  const indented = table
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
  return `${failures} offending row${failures === 1 ? '' : 's'}${shown}:\n${indented}`;
}

type Outcome = Pick<TestResult, 'status' | 'failures' | 'sample' | 'error'>;

/** Starts timing `test`; the function returned makes its result from the outcome. */
function clock(test: DataTest): (outcome: Outcome) => TestResult {
  const startedAt = new Date();
  const started = performance.now();
  return (outcome) => ({
    name: test.name,
    model: test.model,
    severity: test.severity,
    startedAt,
    ms: Math.round(performance.now() - started),
    ...outcome,
  });
}

export function skippedTest(test: DataTest, reason: string): TestResult {
  return clock(test)({ status: 'skipped', failures: null, sample: [], error: reason });
}

export async function runDataTest(db: Queryable, test: DataTest): Promise<TestResult> {
  const done = clock(test);
  // The newline keeps a trailing `-- comment` of a custom test from swallowing the `)`.
  const offending = `(\n${test.sql}\n) offending`;
  try {
    const sample = await db.query(`select * from ${offending} limit ${SAMPLE_ROWS}`, test.params);
    if (sample.length === 0) return done({ status: 'pass', failures: 0, sample });
    const failures =
      sample.length < SAMPLE_ROWS
        ? sample.length
        : Number((await db.query(`select count(*) as n from ${offending}`, test.params))[0]?.n);
    const status = test.severity === 'warn' ? 'warn' : 'fail';
    return done({ status, failures, sample, error: describeOffendingRows(failures, sample) });
  } catch (error) {
    return done({ status: 'error', failures: null, sample: [], error: errorMessage(error) });
  }
}

/** Runs `group`'s screens in one query: the tests it finds passing, done; null when the query fails. */
async function screenTogether(db: Queryable, relation: string, group: readonly DataTest[]) {
  const done = group.map(clock);
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const columns = group.map((test, i) => `${test.screen?.aggregate(param)} as v${i}`).join(', ');
  let row: Row | undefined;
  try {
    [row] = await db.query(`select ${columns} from ${relation}`, params);
  } catch {
    // Not swallowed: each test then runs its own query, and any error is reported as that test's.
    return null;
  }
  return done.map((result, i) =>
    Number(row?.[`v${i}`]) === 0 ? result({ status: 'pass', failures: 0, sample: [] }) : undefined,
  );
}

/**
 * Runs tests side by side (they only read); results keep the tests' order. The screened tests of
 * one relation share a query first: those it finds passing are done, the others run their own
 * query for the offending rows, so a failure reads exactly as it would alone.
 */
export async function runDataTests(db: Queryable, tests: readonly DataTest[]): Promise<TestResult[]> {
  const screened = new Map<string, DataTest[]>();
  for (const test of tests) {
    if (!test.screen) continue;
    const group = screened.get(test.screen.relation);
    if (group) group.push(test);
    else screened.set(test.screen.relation, [test]);
  }
  const results = new Map<DataTest, Promise<TestResult>>();
  for (const [relation, group] of screened) {
    // (Even one test: its screen, an aggregate, costs less than the GROUP BY of unique tests.)
    const screen = screenTogether(db, relation, group);
    group.forEach((test, i) => {
      results.set(
        test,
        screen.then((passed) => passed?.[i] ?? runDataTest(db, test)),
      );
    });
  }
  return Promise.all(tests.map((test) => results.get(test) ?? runDataTest(db, test)));
}
