// A whole transform run, as the CLI and the worker start it: load the project, build and test the
// selection, and record every model and test in the transform ledger (etl_meta.transform_runs;
// the warehouse must be migrated). A failed model or test makes the outcome not ok; callers that
// want an exception throw TransformFailedError.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSeatPriceSetting, seatPriceSettingText } from '../lib/seatPrice';
import type { WarehouseEngine } from '../warehouse/engine';
import { recordTransformRun, type TransformNodeRecord } from '../warehouse/transformLedger';
import { loadProject } from './project';
import { type ModelRunResult, type RunOptions, type RunResults, runProject } from './run';
import { sampleCells, type TestResult, testFailed } from './testRun';

/** The name transform runs lock under (warehouse/exclusiveRuns.ts): one at a time per warehouse. */
export const TRANSFORMS_JOB = 'transforms';

/** Who holds the lock, for the lease row and the logs: `<role>@<host>:<pid>`. */
export const runHolder = (role: string) => `${role}@${hostname()}:${process.pid}`;

/** The project this repository ships: its sql/ folder. */
export const DEFAULT_PROJECT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'sql');

export interface TransformRunOptions extends RunOptions {
  /** Who starts the run, recorded in the ledger: 'cli', 'sync:<connection>' … */
  trigger: string;
  /** Default: a new UUID. */
  runId?: string;
  /** Default: DEFAULT_PROJECT_DIR. */
  projectDir?: string;
}

export interface TransformOutcome {
  runId: string;
  results: RunResults;
  /** No model failed and no test failed at severity error. */
  ok: boolean;
}

/** The models that failed and the tests that failed at severity error (skipped nodes follow from them). */
export function failedNodes(results: RunResults): Array<ModelRunResult | TestResult> {
  return [...results.models.filter((m) => m.status === 'error'), ...results.tests.filter(testFailed)];
}

export class TransformFailedError extends Error {
  override name = 'TransformFailedError';
  readonly runId: string;
  readonly failures: ReadonlyArray<ModelRunResult | TestResult>;
  constructor(outcome: TransformOutcome) {
    const failures = failedNodes(outcome.results);
    // Each failure whole (a failed test's rows included), its later lines indented under it.
    const lines = failures.map((f) => `  ${f.name}: ${(f.error ?? f.status).replace(/\n/g, '\n    ')}`);
    super(`transform run ${outcome.runId} failed:\n${lines.join('\n')}`);
    this.runId = outcome.runId;
    this.failures = failures;
  }
}

function ledgerNodes(results: RunResults): TransformNodeRecord[] {
  return [
    ...results.models.map(
      (m): TransformNodeRecord => ({
        node: m.name,
        kind: 'model',
        materialized: m.materialized,
        status: m.status,
        startedAt: m.startedAt,
        ms: m.ms,
        rowCount: m.rows,
        error: m.error ?? null,
        sample: null,
      }),
    ),
    ...results.tests.map(
      (t): TransformNodeRecord => ({
        node: t.name,
        kind: 'test',
        materialized: null,
        status: t.status,
        startedAt: t.startedAt,
        ms: t.ms,
        rowCount: t.failures,
        error: t.error ?? null,
        // the rows themselves, so that the status page shows a warning as the CLI prints it
        sample: t.sample.length ? sampleCells(t.sample) : null,
      }),
    ),
  ];
}

/**
 * The run's variables as given (the callers add the configuration's, SEAT_PRICE as `seat_price`).
 * A `seat_price` is checked as `bbetl workspace price` checks a price (SeatPriceError) and passed
 * on as `<amount> <CURRENCY>`, the form int_seat_price_days reads.
 */
function runVars(given: RunOptions['vars']): Record<string, unknown> {
  const vars: Record<string, unknown> = { ...given };
  if (vars.seat_price !== undefined && vars.seat_price !== null)
    vars.seat_price = seatPriceSettingText(parseSeatPriceSetting(String(vars.seat_price)));
  return vars;
}

/** Builds and tests the project (or its selection) and records the run in the ledger. */
export async function runTransformProject(
  db: WarehouseEngine,
  options: TransformRunOptions,
): Promise<TransformOutcome> {
  const runId = options.runId ?? randomUUID();
  const project = loadProject(options.projectDir ?? DEFAULT_PROJECT_DIR);
  const results = await runProject(db, project, { ...options, vars: runVars(options.vars) });
  await recordTransformRun(db, { runId, triggeredBy: options.trigger, nodes: ledgerNodes(results) });
  return { runId, results, ok: failedNodes(results).length === 0 };
}
