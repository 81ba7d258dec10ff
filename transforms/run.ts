// Runs a project against a warehouse, dbt-build style: models parents first, each one's post hooks
// right after it is materialized (materialize.ts), then its descriptions (describe.ts), then its
// data tests. A model fails when it does not build or when one of its tests fails at severity
// error; its descendants are then skipped and the rest still run; one whose descriptions cannot be
// written is built all the same, as warn. Custom tests run as soon as every selected model they ref
// is built.
//
// Models whose inputs did not change since they were built are current: left as they are, their
// tests not run again (freshness.ts); `fullRefresh` builds every selected model.
//
// Selection (dbt's eager rule): a model's yml tests run with the model; a custom test runs when it
// refs a selected model (with no selection: every test). Models outside the selection that a test
// reads are read as they are in the warehouse.
import type { WarehouseEngine } from '../warehouse/engine';
import { type CompiledModel, compileModel, compileModelForPlan, type Materialization } from './compile';
import { buildDag, type Dag, selectModels, topologicalOrder } from './dag';
import { type DataTest, onWrittenRows, planDataTests } from './dataTests';
import { writeDescriptions } from './describe';
import { errorMessage, ProjectError } from './errors';
import { BuildTracker } from './freshness';
import { dropWrittenRows, materialize, relationKind } from './materialize';
import type { ModelFile, Project } from './project';
import { runDataTests, skippedTest, type TestResult, testFailed } from './testRun';

export interface RunOptions {
  /** dbt-style selectors (`model`, `+model`, `model+`); none: every model. */
  select?: readonly string[];
  /** Rebuild incremental models from scratch. */
  fullRefresh?: boolean;
  vars?: Readonly<Record<string, unknown>>;
}

/**
 * warn: built and tested, but something short of its data went wrong (its descriptions).
 * current: not built, since nothing it reads changed since it was (its rows would be the same).
 */
export type ModelStatus = 'success' | 'warn' | 'current' | 'error' | 'skipped';

/** The model's relation is in place: its descendants build. */
const isBuilt = (status: ModelStatus | undefined) =>
  status === 'success' || status === 'warn' || status === 'current';

export interface ModelRunResult {
  name: string;
  materialized: Materialization;
  startedAt: Date;
  /** Wall time of compiling and materializing the model and running its post hooks. */
  ms: number;
  status: ModelStatus;
  /** Rows in the relation after the build (tables and incremental models); null for views and models not built. */
  rows: number | null;
  /**
   * Incremental models built: how (incrementally, or in full), and why in full when an
   * incremental build was possible (e.g. `int_seats changed`).
   */
  build?: { incremental: boolean; fullBecause?: string };
  /** error, skipped: why; warn: what went wrong. */
  error?: string;
}

export interface RunResults {
  /** In run order. */
  models: ModelRunResult[];
  /** In run order. */
  tests: TestResult[];
}

/**
 * The build order: parents first, and a model after every model its tests read (a relationships
 * test needs its `to` model built). Real cycles are reported as they are.
 */
function buildOrder(dag: Dag, refs: ReadonlyMap<string, readonly string[]>, tests: readonly DataTest[]) {
  topologicalOrder(dag);
  const needs = new Map([...refs].map(([name, parents]) => [name, [...parents]]));
  for (const test of tests)
    if (test.model) needs.get(test.model)?.push(...test.refs.filter((r) => r !== test.model));
  try {
    return topologicalOrder(buildDag(needs));
  } catch (error) {
    throw new ProjectError(
      `${(error as Error).message}, counting the models that tests read: a model is built after the models its tests read, so none of them may be built from it`,
    );
  }
}

/** Compiles every model for planning (compileModelForPlan) and plans the run: models in order, and their tests. */
export function planRun(
  db: Pick<WarehouseEngine, 'dialect' | 'table'>,
  project: Project,
  options: RunOptions = {},
) {
  const compiled = new Map<string, CompiledModel>();
  for (const name of project.models.keys())
    compiled.set(name, compileModelForPlan(db, project, name, { vars: options.vars }));
  const refs = new Map([...compiled].map(([n, c]) => [n, c.refs]));
  const dag = buildDag(refs);
  checkIncrementalInputs(dag, compiled);
  const allTests = planDataTests(db, project, { vars: options.vars });
  const order = buildOrder(dag, refs, allTests);
  const selected = selectModels(dag, options.select);
  const everything = !options.select?.length;
  const tests = allTests.filter((t) =>
    t.model ? selected.has(t.model) : everything || t.refs.some((r) => selected.has(r)),
  );
  return { dag, compiled, order: order.filter((n) => selected.has(n)), tests };
}

/** Each incremental_inputs entry is a model the model reads: directly, or through views and its other inputs. */
function checkIncrementalInputs(dag: Dag, compiled: ReadonlyMap<string, CompiledModel>): void {
  for (const [name, model] of compiled) {
    const inputs = model.config.incrementalInputs;
    if (!inputs) continue;
    const reads = new Set<string>();
    const visit = (m: string) => {
      for (const parent of dag.parents.get(m) ?? []) {
        if (reads.has(parent)) continue;
        reads.add(parent);
        if (compiled.get(parent)?.config.materialized === 'view' || inputs.includes(parent)) visit(parent);
      }
    };
    visit(name);
    const unknown = inputs.filter((i) => !reads.has(i));
    if (unknown.length > 0)
      throw new ProjectError(
        `model "${name}": incremental_inputs ${unknown.map((u) => `"${u}"`).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not read by it (directly, or through views and its other inputs)`,
      );
  }
}

/**
 * The rows of a model's table once built: on BigQuery, after a build by one query job (no
 * incremental DML, no post hooks), from the table's metadata, which saves a job; else counted.
 */
async function builtRows(
  db: WarehouseEngine,
  file: ModelFile,
  model: CompiledModel,
  { byOneJob }: { byOneJob: boolean },
): Promise<number> {
  if (db.createdTableRows && byOneJob && model.postHooks.length === 0)
    return db.createdTableRows(file.layer, file.name);
  const [row] = await db.query<{ n: unknown }>(`select count(*) as n from ${model.relation}`);
  return Number(row?.n);
}

/**
 * Descriptions are documentation, not data: when they cannot be written (no support on the engine,
 * a yml column the relation lacks, a BigQuery API error) the model is built all the same and
 * reported as warn, with the reason: the run still succeeds and its descendants still build, while
 * the CLI's table, the ledger and the status page show it.
 */
async function descriptionsProblem(
  db: WarehouseEngine,
  file: ModelFile,
  materialized: Materialization,
): Promise<string | undefined> {
  try {
    await writeDescriptions(db, file, materialized);
    return undefined;
  } catch (error) {
    return `descriptions not written: ${errorMessage(error)}`;
  }
}

/** What the run knows of one model before building it. */
interface BuildStep {
  file: ModelFile;
  materialized: Materialization;
  /** The models this run builds after it. */
  later: ReadonlySet<string>;
  tracker: BuildTracker;
  /** A whole run: the model is left as it is when current. */
  skipCurrent: boolean;
  /** Other models read this one. */
  hasDependents: boolean;
}

interface Built {
  result: ModelRunResult;
  /**
   * Whether the relation was materialized: incrementally or not, whether its rows may have
   * changed, and (Postgres, incrementally) the table of the rows it wrote, to drop once tested.
   */
  materialized?: { changed: boolean; full: boolean; written?: string };
}

/** Compiles (incremental branch when the relation exists), materializes, runs the post hooks, writes the descriptions. */
async function buildModel(
  db: WarehouseEngine,
  project: Project,
  { file, materialized, later, tracker, skipCurrent, hasDependents }: BuildStep,
  options: RunOptions,
): Promise<Built> {
  const startedAt = new Date();
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const result = (status: ModelStatus, rows: number | null, error?: string): ModelRunResult => ({
    name: file.name,
    materialized,
    startedAt,
    ms: ms(),
    status,
    rows,
    error,
  });
  let done: Built['materialized'];
  try {
    const existing = await relationKind(db, file);
    if (skipCurrent && existing && tracker.isCurrent(file.name)) return { result: result('current', null) };
    const sameSql = existing !== undefined && tracker.sameSql(file.name);
    // An incremental model is built in full when its SQL changed since its relation was built, or
    // when a model changed whose changes its incremental branch does not account for.
    const canAdd = materialized === 'incremental' && existing === 'table' && !options.fullRefresh;
    const unaccounted = canAdd && sameSql ? tracker.unaccountedChange(file.name) : undefined;
    const fullBecause = !canAdd
      ? undefined
      : !sameSql
        ? 'its SQL changed'
        : unaccounted && `${unaccounted} changed`;
    const fullRefresh = options.fullRefresh || !!fullBecause;
    const model = compileModel(db, project, file.name, {
      relationExists: existing === 'table',
      fullRefresh,
      vars: options.vars,
      runStartedAt: tracker.stamp,
    });
    const incremental = materialized === 'incremental' && existing === 'table' && !fullRefresh;
    const { changed, written } = await materialize(db, file, model, existing, {
      incremental,
      models: project.models,
      later,
      keepIfSameRows: sameSql && hasDependents,
    });
    done = { changed, full: !incremental, written };
    for (const [i, hook] of model.postHooks.entries()) {
      try {
        await db.query(hook);
      } catch (error) {
        throw new Error(`post_hook ${i + 1} failed: ${errorMessage(error)}`);
      }
    }
    const warning = await descriptionsProblem(db, file, materialized);
    const rows =
      materialized === 'view' ? null : await builtRows(db, file, model, { byOneJob: !incremental });
    const built = result(warning ? 'warn' : 'success', rows, warning);
    if (materialized === 'incremental')
      built.build = { incremental, ...(fullBecause ? { fullBecause } : {}) };
    return { result: built, materialized: done };
  } catch (error) {
    return { result: result('error', null, errorMessage(error)), materialized: done };
  }
}

/**
 * Under a selection, a test may read a model outside it (a relationships test's `to`): it runs
 * when that model exists from an earlier build, and is skipped (saying why) when it does not.
 */
async function splitByUnbuiltRefs(
  db: WarehouseEngine,
  project: Project,
  tests: readonly DataTest[],
  inRun: ReadonlySet<string>,
): Promise<[DataTest[], TestResult[]]> {
  const runnable: DataTest[] = [];
  const skipped: TestResult[] = [];
  for (const test of tests) {
    let missing: string | undefined;
    for (const ref of test.refs.filter((r) => !inRun.has(r))) {
      const file = project.models.get(ref);
      if (!file || !(await relationKind(db, file))) missing = ref;
    }
    if (missing)
      skipped.push(skippedTest(test, `model "${missing}" is outside the selection and not built yet`));
    else runnable.push(test);
  }
  return [runnable, skipped];
}

/** Runs the selected models in dependency order, each followed by its tests, and the custom tests as their models are done. */
export async function runProject(
  db: WarehouseEngine,
  project: Project,
  options: RunOptions = {},
): Promise<RunResults> {
  const plan = planRun(db, project, options);
  const tracker = await BuildTracker.start(db, { ...plan, models: project.models });
  // A selection builds what it selects; a whole run leaves the current models as they are.
  const skipCurrent = !options.fullRefresh && !options.select?.length;
  const results: RunResults = { models: [], tests: [] };
  const status = new Map<string, ModelStatus>();
  const inRun = new Set(plan.order);
  let customTests = plan.tests.filter((t) => !t.model);

  // A custom test is due once every model of the run it refs has a result.
  const runDueCustomTests = async () => {
    const due = customTests.filter((t) => t.refs.every((r) => !inRun.has(r) || status.has(r)));
    customTests = customTests.filter((t) => !due.includes(t));
    const notBuilt = (test: DataTest) => test.refs.find((r) => inRun.has(r) && !isBuilt(status.get(r)));
    results.tests.push(
      ...due.filter(notBuilt).map((t) => skippedTest(t, `model "${notBuilt(t)}" was not built`)),
    );
    results.tests.push(
      ...(await runDataTests(
        db,
        due.filter((t) => !notBuilt(t)),
      )),
    );
  };

  await runDueCustomTests();
  for (const [i, name] of plan.order.entries()) {
    const compiled = plan.compiled.get(name) as CompiledModel;
    const materialized = compiled.config.materialized;
    const ownTests = plan.tests.filter((t) => t.model === name);
    const upstreamFailed = [...(plan.dag.parents.get(name) ?? [])].find(
      (p) => status.get(p) === 'error' || status.get(p) === 'skipped',
    );
    const built: Built = upstreamFailed
      ? {
          result: {
            name,
            materialized,
            startedAt: new Date(),
            ms: 0,
            status: 'skipped',
            rows: null,
            error: `upstream "${upstreamFailed}" failed`,
          },
        }
      : await buildModel(
          db,
          project,
          {
            file: project.models.get(name) as ModelFile,
            materialized,
            later: new Set(plan.order.slice(i + 1)),
            tracker,
            skipCurrent,
            hasDependents: (plan.dag.children.get(name)?.size ?? 0) > 0,
          },
          options,
        );
    const outcome = built.result;
    if (outcome.status === 'current') tracker.keep(name);
    // Rows the same as when these tests last passed on them (current, or rebuilt into the same
    // rows): only the tests that read another model whose rows changed this run (a relationship).
    const sameRows =
      outcome.status === 'current' || (built.materialized?.changed === false && tracker.passedBefore(name));
    const dueTests = sameRows
      ? ownTests.filter((t) => t.refs.some((r) => r !== name && tracker.changedThisRun(r)))
      : ownTests;
    // Built incrementally, its tests all passed before: they read the rows written (dataTests.ts).
    const written = built.materialized?.written;
    const onRowsWritten = written && tracker.passedBefore(name);
    let untested = false;
    if (isBuilt(outcome.status)) {
      const tests = onRowsWritten
        ? dueTests.map((t) => onWrittenRows(db, project, t, written, (m) => tracker.changedThisRun(m)))
        : dueTests;
      const [runnable, skipped] = await splitByUnbuiltRefs(db, project, tests, inRun);
      const testResults = [...skipped, ...(await runDataTests(db, runnable))];
      untested = skipped.length > 0;
      const failed = testResults.filter(testFailed);
      if (failed.length > 0) {
        outcome.status = 'error';
        outcome.error = [outcome.error, ...failed.map((t) => `test ${t.name} failed: ${t.error}`)]
          .filter(Boolean)
          .join('\n');
      }
      results.tests.push(...testResults);
    } else {
      results.tests.push(...ownTests.map((t) => skippedTest(t, `model "${name}" was not built`)));
    }
    if (written) await dropWrittenRows(db, written);
    if (built.materialized)
      tracker.built(name, { ...built.materialized, ok: isBuilt(outcome.status), untested });
    // A current model whose test now fails is built (and tested) again next run.
    else if (outcome.status === 'error') tracker.built(name, { changed: false, full: false, ok: false });
    status.set(name, outcome.status);
    results.models.push(outcome);
    await runDueCustomTests();
  }
  await tracker.finish(db);
  return results;
}

/** runProject's model results alone. */
export async function runModels(
  db: WarehouseEngine,
  project: Project,
  options: RunOptions = {},
): Promise<ModelRunResult[]> {
  return (await runProject(db, project, options)).models;
}
