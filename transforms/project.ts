// A transform project on disk: every `*.sql` file under the project directory is a model (its name
// is the file's basename, unique across the project; its warehouse schema is its top folder:
// staging/, intermediate/ or marts/), except `macros/*.sql`, which hold nunjucks macro
// definitions available to every model, and `tests/*.sql`, custom data tests. A model's
// documentation and data tests sit beside it in `<model>.yml` (see modelDoc.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import type { Schema } from '../warehouse/engine';
import { closeNames, ProjectError } from './errors';
import { allTests, IDENTIFIER, type ModelDoc, parseModelDoc } from './modelDoc';

/** The schemas a model can live in, named by the model's top folder. */
export const MODEL_LAYERS = ['staging', 'intermediate', 'marts'] as const satisfies readonly Schema[];
export type ModelLayer = (typeof MODEL_LAYERS)[number];

export interface ModelFile {
  name: string;
  /** Path relative to the project directory, with `/` separators (also the template name). */
  path: string;
  layer: ModelLayer;
  source: string;
  /** From `<model>.yml`, when the model has one. */
  doc?: ModelDoc;
}

export interface MacroFile {
  /** Path relative to the project directory, with `/` separators. */
  path: string;
  source: string;
  /** The macros the file defines, in order. */
  names: string[];
}

/** A custom data test: a query returning the offending rows. */
export interface TestFile {
  /** The file's basename, unique among the tests. */
  name: string;
  /** Path relative to the project directory, with `/` separators (also the template name). */
  path: string;
  source: string;
}

export interface Project {
  dir: string;
  /** Keyed by model name, in alphabetical order. */
  models: ReadonlyMap<string, ModelFile>;
  /** In path order. */
  macros: readonly MacroFile[];
  /** In path order. */
  tests: readonly TestFile[];
}

const MACRO_DEF = /\{%-?\s*macro\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(/g;
/** A macro block, whole (its body may set variables: they are its own). */
const MACRO_BLOCK = /\{%-?\s*macro\b[\s\S]*?\{%-?\s*endmacro\s*-?%\}/g;
const IMPORT_TAG = /\{%-?\s*(from|import)\b/;
const SET_TAG = /\{%-?\s*set\b/;

/**
 * What keeps the project a dbt project as well (dbt reads macros/ as one global namespace): a
 * macro file defines macros and nothing else that runs (no import, no set outside a macro), and
 * only macro files define macros.
 */
function checkDbtShape(path: string, source: string, isMacroFile: boolean): void {
  if (isMacroFile) {
    if (IMPORT_TAG.test(source))
      throw new ProjectError(
        `${path}: macro files import nothing: every macro is global, call it by its name (remove the {% from/import %})`,
      );
    if (SET_TAG.test(source.replace(MACRO_BLOCK, '')))
      throw new ProjectError(
        `${path}: a {% set %} outside a macro (dbt does not run it): make the value a macro, or set it inside the macro that uses it`,
      );
  } else if (source.match(MACRO_DEF))
    throw new ProjectError(
      `${path}: defines a macro: move it to a file under macros/ (dbt reads macros only there)`,
    );
}
const PROJECT_FILE = /\.(sql|ya?ml)$/;

function listProjectFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && PROJECT_FILE.test(d.name))
    .map((d) => relative(dir, join(d.parentPath, d.name)).split(sep).join('/'))
    .sort();
}

const topFolder = (path: string) => (path.includes('/') ? path.slice(0, path.indexOf('/')) : '');

function checkName(kind: string, path: string, name: string): void {
  if (!IDENTIFIER.test(name))
    throw new ProjectError(`${kind} ${path}: the name "${name}" must be letters, digits and underscores`);
}

/** The columns a model's yml lists; undefined when it lists none (nothing to check against). */
function documentedColumns(model: ModelFile | undefined): Set<string> | undefined {
  const columns = model?.doc?.columns ?? [];
  return columns.length > 0 ? new Set(columns.map((c) => c.name)) : undefined;
}

/** Where the model's documentation is (or would be): `<model>.yml` beside its SQL. */
export const ymlPath = (model: ModelFile) => model.path.replace(/\.sql$/, '.yml');

/** The checks of a model's yml that need the other models: what relationships and unique_combination name. */
function checkDocReferences(models: ReadonlyMap<string, ModelFile>): void {
  const problems: string[] = [];
  for (const model of models.values()) {
    if (!model.doc) continue;
    const own = documentedColumns(model);
    for (const spec of allTests(model.doc)) {
      if (spec.kind === 'relationships') {
        const target = models.get(spec.to);
        const targetColumns = documentedColumns(target);
        const at = `${ymlPath(model)}: columns.${spec.column}: relationships`;
        if (!target) {
          const guess = closeNames(spec.to, models.keys());
          problems.push(
            `${at} to "${spec.to}", which is no model of the project${guess.length ? `; did you mean ${guess.join(', ')}?` : ''}`,
          );
        } else if (targetColumns && !targetColumns.has(spec.field))
          problems.push(`${at}: ${spec.to} has no column "${spec.field}" in ${ymlPath(target)}`);
      }
      if (spec.kind === 'unique_combination' && own)
        for (const column of spec.columns.filter((c) => !own.has(c)))
          problems.push(
            `${ymlPath(model)}: tests: unique_combination names "${column}", which is not among the columns`,
          );
    }
  }
  if (problems.length > 0) throw new ProjectError(problems.join('\n'));
}

/** Reads a project directory; throws ProjectError on duplicate names, misplaced files and bad yml. */
export function loadProject(dir: string): Project {
  const files = listProjectFiles(dir);
  const models = new Map<string, ModelFile>();
  const macros: MacroFile[] = [];
  const tests: TestFile[] = [];
  const macroOwner = new Map<string, string>();
  for (const path of files.filter((f) => f.endsWith('.sql'))) {
    const source = readFileSync(join(dir, path), 'utf8');
    const top = topFolder(path);
    checkDbtShape(path, source, top === 'macros');
    if (top === 'macros') {
      const names = [...source.matchAll(MACRO_DEF)].map((m) => m[1] as string);
      for (const name of names) {
        const other = macroOwner.get(name);
        if (other) throw new ProjectError(`macro "${name}" is defined twice: ${other} and ${path}`);
        macroOwner.set(name, path);
      }
      macros.push({ path, source, names });
      continue;
    }
    const name = basename(path, '.sql');
    if (top === 'tests') {
      checkName('test', path, name);
      const other = tests.find((t) => t.name === name);
      if (other) throw new ProjectError(`test name "${name}" is used twice: ${other.path} and ${path}`);
      tests.push({ name, path, source });
      continue;
    }
    if (!(MODEL_LAYERS as readonly string[]).includes(top))
      throw new ProjectError(
        `model ${path} is outside the model folders: put it under ${MODEL_LAYERS.map((l) => `${l}/`).join(', ')} (macros/ holds macros, tests/ custom tests)`,
      );
    checkName('model', path, name);
    const other = models.get(name);
    if (other) throw new ProjectError(`model name "${name}" is used twice: ${other.path} and ${path}`);
    models.set(name, { name, path, layer: top as ModelLayer, source });
  }
  for (const path of files.filter((f) => !f.endsWith('.sql'))) {
    const sqlPath = path.replace(PROJECT_FILE, '.sql');
    if (!path.endsWith('.yml'))
      throw new ProjectError(
        `${path}: name it ${sqlPath.replace(/\.sql$/, '.yml')} (model documentation is .yml)`,
      );
    const model = models.get(basename(sqlPath, '.sql'));
    if (!model || model.path !== sqlPath)
      throw new ProjectError(
        `${path} has no ${sqlPath} beside it: a model's documentation sits next to its SQL (rename or remove it)`,
      );
    model.doc = parseModelDoc(path, readFileSync(join(dir, path), 'utf8'), model.layer);
  }
  checkDocReferences(models);
  const sorted = new Map([...models.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { dir, models: sorted, macros, tests };
}
