import { type Command, InvalidArgumentError, Option } from 'commander';
import { usageExit } from './options';

export type Vars = Record<string, string>;

export interface TransformFlags {
  select?: string[];
  fullRefresh?: boolean;
  var: Vars;
  project?: string;
}

export interface CompileFlags {
  var: Vars;
  project?: string;
  incremental?: boolean;
}

export interface ExportDbtFlags {
  project?: string;
}

export interface DocsFlags {
  out?: string;
  project?: string;
}

/** --var key=value, repeatable; the value reaches var('key') as text. */
export function collectVar(raw: string, previous: Vars = {}): Vars {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(raw);
  if (!match) throw new InvalidArgumentError('expected key=value, e.g. --var since=2025-01-01');
  return { ...previous, [match[1] as string]: match[2] as string };
}

const varOption = () =>
  new Option('--var <key=value>', "set var('key') for the models; repeat for several")
    .argParser(collectVar)
    .default({}, 'none');
const projectOption = () =>
  new Option('--project <dir>', "the transform project (default: this install's sql/)");

export function registerTransformCommand(program: Command): void {
  // `transform compile --var …` gives --var to compile, not to transform: options after a
  // subcommand's name are the subcommand's, at every level (bbetl itself has no options of its own).
  program.enablePositionalOptions();
  const transform = program
    .command('transform')
    .description('build the SQL models (sql/) in the warehouse and run their data tests, dbt-build style')
    .exitOverride(usageExit)
    .enablePositionalOptions()
    .option(
      '--select <selector...>',
      'only these models: name, +name (and ancestors), name+ (and descendants)',
    )
    .option('--full-refresh', 'rebuild incremental models from scratch')
    .addOption(varOption())
    .addOption(projectOption())
    .action(async (flags: TransformFlags) => (await import('./transformRun')).runTransform(flags));

  transform
    .command('compile <model>')
    .description("print a model's SQL as the configured warehouse would run it (without connecting)")
    .addOption(varOption())
    .addOption(projectOption())
    .option('--incremental', "render the incremental branch (as when the model's table exists)")
    .action(async (model: string, flags: CompileFlags) =>
      (await import('./transformRun')).compileTransformModel(model, flags),
    );

  transform
    .command('docs')
    .description('write the model documentation and the metric glossary as Markdown')
    .option('--out <dir>', "where to write models.md and glossary.md (default: this install's docs/)")
    .addOption(projectOption())
    .action(async (flags: DocsFlags) => (await import('./transformRun')).writeTransformDocs(flags));

  transform
    .command('export-dbt <dir>')
    .description(
      'write the models as a dbt project (dbt_project.yml, sources, schema.yml with the data tests) to build the marts with dbt',
    )
    .addOption(projectOption())
    .action(async (dir: string, flags: ExportDbtFlags) =>
      (await import('./transformRun')).exportDbt(dir, flags),
    );
}
