// `bbetl transform`, `transform compile`, `transform docs`. A project that does not load or
// compile is reported as `error: …` (exit 1) without a stack; a model name that is not in the
// project is a usage error (exit 2), with the names that come close.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { formatTable } from '../../lib/table';
import { configuredTransformVars, loadConfig, type WarehouseConfig } from '../../temporal.config';
import { compileModel, type RelationNamer } from '../../transforms/compile';
import { dbtProjectFiles, writeDbtProject } from '../../transforms/dbtExport';
import { renderDocs } from '../../transforms/docs';
import { ProjectError, UnknownModelError } from '../../transforms/errors';
import { loadProject } from '../../transforms/project';
import type { ModelRunResult } from '../../transforms/run';
import {
  DEFAULT_PROJECT_DIR,
  runHolder,
  runTransformProject,
  TRANSFORMS_JOB,
  type TransformOutcome,
} from '../../transforms/service';
import type { TestResult, TestStatus } from '../../transforms/testRun';
import { openWarehouse, quoteBqIdent } from '../../warehouse/engine';
import { runExclusive } from '../../warehouse/exclusiveRuns';
import { migrate } from '../../warehouse/migrate';
import { postgresNames } from '../../warehouse/postgresNames';
import { commandContext } from './context';
import { UsageError } from './options';
import type { CompileFlags, DocsFlags, ExportDbtFlags, TransformFlags } from './transform';

const DEFAULT_DOCS_DIR = resolve(DEFAULT_PROJECT_DIR, '..', 'docs');

async function explained(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (error instanceof UnknownModelError) throw new UsageError(error.message);
    if (!(error instanceof ProjectError)) throw error;
    console.error(`error: ${error.message}`);
    process.exitCode = 1;
  }
}

const TEST_STATUSES: TestStatus[] = ['pass', 'fail', 'warn', 'error', 'skipped'];

function countTests(tests: readonly TestResult[]): string {
  return TEST_STATUSES.map((s) => [s, tests.filter((t) => t.status === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
}

function modelsTable(models: readonly ModelRunResult[], tests: readonly TestResult[]): string {
  return formatTable([
    ['model', 'materialized', 'status', 'ms', 'rows', 'tests'],
    ...models.map((m) => [
      m.name,
      m.materialized,
      // An incremental model built in full when it could have added: why.
      m.build?.fullBecause ? `${m.status} (built in full: ${m.build.fullBecause})` : m.status,
      String(m.ms),
      m.rows === null ? '' : String(m.rows),
      countTests(tests.filter((t) => t.model === m.name)),
    ]),
  ]);
}

/** What went wrong, each once: failed models (with their failed tests), failed custom tests, warnings. */
function problems({ models, tests }: TransformOutcome['results']): string[] {
  return [
    ...models.filter((m) => m.status === 'error').map((m) => `${m.name} failed: ${m.error}`),
    ...tests
      .filter((t) => !t.model && (t.status === 'fail' || t.status === 'error'))
      .map((t) => `test ${t.name} ${t.status === 'fail' ? 'failed' : 'could not run'}: ${t.error}`),
    ...tests.filter((t) => t.status === 'warn').map((t) => `warning: test ${t.name}: ${t.error}`),
    ...models.filter((m) => m.status === 'warn').map((m) => `warning: ${m.name}: ${m.error}`),
  ];
}

export async function runTransform(flags: TransformFlags): Promise<void> {
  const { config } = commandContext();
  await explained(async () => {
    const db = await openWarehouse(config.warehouse);
    try {
      // A warehouse nothing has written to yet has no ledger: create it rather than fail.
      await migrate(db);
      // In turn with the workers' runs (never coalesced: this run's own results are printed).
      const exclusive = await runExclusive(
        db,
        TRANSFORMS_JOB,
        () =>
          runTransformProject(db, {
            select: flags.select,
            fullRefresh: flags.fullRefresh,
            vars: { ...configuredTransformVars(config.transforms), ...flags.var },
            trigger: 'cli',
            projectDir: flags.project,
          }),
        {
          holder: runHolder('cli'),
          coalesce: false,
          // A whole build of the shipped project serves the workers' waiting requests too.
          covers: !flags.select?.length && !flags.project,
          onWait: () => console.error('another transform run is in progress: waiting for it to end'),
        },
      );
      if (!exclusive.ran) throw new Error('the transform run did not run'); // never coalesced
      const outcome = exclusive.value;
      const { models, tests } = outcome.results;
      console.log(models.length ? modelsTable(models, tests) : 'no models selected');
      for (const problem of problems(outcome.results)) console.log(`\n${problem}`);
      const failed = models.filter((m) => m.status === 'error').length;
      console.log(
        `\ntransform run ${outcome.runId} ${outcome.ok ? 'succeeded' : 'failed'}: ${models.length} models` +
          `${failed ? ` (${failed} failed)` : ''}, tests: ${countTests(tests) || 'none'}`,
      );
      if (!outcome.ok) process.exitCode = 1;
    } finally {
      await db.close();
    }
  });
}

/** How the configured warehouse names relations, without connecting to it. */
function relationNamer(warehouse: WarehouseConfig): RelationNamer {
  if (warehouse.engine !== 'bigquery')
    return { dialect: 'postgres', table: postgresNames(warehouse.schemaPrefix).table };
  return {
    dialect: 'bigquery',
    table: (schema, name) =>
      quoteBqIdent(`${warehouse.project}.${warehouse.datasetPrefix}_${schema}.${name}`),
  };
}

export async function compileTransformModel(model: string, flags: CompileFlags): Promise<void> {
  const { warehouse } = loadConfig();
  await explained(async () => {
    const project = loadProject(flags.project ?? DEFAULT_PROJECT_DIR);
    const compiled = compileModel(relationNamer(warehouse), project, model, {
      vars: flags.var,
      relationExists: flags.incremental,
    });
    console.log(compiled.sql);
    compiled.postHooks.forEach((hook, i) => {
      console.log(`\n-- post_hook ${i + 1}\n${hook}`);
    });
  });
}

export async function writeTransformDocs(flags: DocsFlags): Promise<void> {
  await explained(async () => {
    const docs = renderDocs(loadProject(flags.project ?? DEFAULT_PROJECT_DIR));
    const out = resolve(flags.out ?? DEFAULT_DOCS_DIR);
    mkdirSync(out, { recursive: true });
    for (const [file, text] of Object.entries(docs)) writeFileSync(join(out, file), text);
    console.log(
      `wrote ${Object.keys(docs)
        .map((f) => join(out, f))
        .join(', ')}`,
    );
  });
}

/** bbetl's version (package.json beside the default project's sql/). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(dirname(DEFAULT_PROJECT_DIR), 'package.json'), 'utf8'));
  return String(pkg.version);
}

export async function exportDbt(dir: string, flags: ExportDbtFlags): Promise<void> {
  await explained(async () => {
    const out = resolve(dir);
    const files = dbtProjectFiles(loadProject(flags.project ?? DEFAULT_PROJECT_DIR), packageVersion());
    writeDbtProject(out, files);
    console.log(`wrote a dbt project of ${Object.keys(files).length} files to ${out}`);
    console.log(
      'next: a profile named "bbetl" for your warehouse, then `dbt build` in that directory (README: "Build the marts with dbt")',
    );
  });
}
