// A transform project on disk: every `*.sql` file under the project directory is a model (its name
// is the file's basename, unique across the project; its warehouse schema is its top folder:
// staging/, intermediate/ or marts/), except `macros/*.sql`, which hold nunjucks macro
// definitions available to every model.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import type { Schema } from '../warehouse/engine';

/** The schemas a model can live in, named by the model's top folder. */
export const MODEL_LAYERS = ['staging', 'intermediate', 'marts'] as const satisfies readonly Schema[];
export type ModelLayer = (typeof MODEL_LAYERS)[number];

export interface ModelFile {
  name: string;
  /** Path relative to the project directory, with `/` separators (also the template name). */
  path: string;
  layer: ModelLayer;
  source: string;
}

export interface MacroFile {
  /** Path relative to the project directory, with `/` separators. */
  path: string;
  source: string;
  /** The macros the file defines, in order. */
  names: string[];
}

export interface Project {
  dir: string;
  /** Keyed by model name, in alphabetical order. */
  models: ReadonlyMap<string, ModelFile>;
  /** In path order. */
  macros: readonly MacroFile[];
}

const MACRO_DEF = /\{%-?\s*macro\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(/g;

function listSqlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.sql'))
    .map((d) => relative(dir, join(d.parentPath, d.name)).split(sep).join('/'))
    .sort();
}

/** Reads a project directory; throws on duplicate model or macro names and misplaced models. */
export function loadProject(dir: string): Project {
  const files = listSqlFiles(dir);
  const models = new Map<string, ModelFile>();
  const macros: MacroFile[] = [];
  const macroOwner = new Map<string, string>();
  for (const path of files) {
    const source = readFileSync(join(dir, path), 'utf8');
    const top = path.includes('/') ? path.slice(0, path.indexOf('/')) : '';
    if (top === 'macros') {
      const names = [...source.matchAll(MACRO_DEF)].map((m) => m[1] as string);
      for (const name of names) {
        const other = macroOwner.get(name);
        if (other) throw new Error(`macro "${name}" is defined twice: ${other} and ${path}`);
        macroOwner.set(name, path);
      }
      macros.push({ path, source, names });
      continue;
    }
    if (!(MODEL_LAYERS as readonly string[]).includes(top))
      throw new Error(
        `model ${path} is outside the model folders: put it under ${MODEL_LAYERS.map((l) => `${l}/`).join(', ')}`,
      );
    const name = basename(path, '.sql');
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new Error(`model ${path}: the name "${name}" must be letters, digits and underscores`);
    const other = models.get(name);
    if (other) throw new Error(`model name "${name}" is used twice: ${other.path} and ${path}`);
    models.set(name, { name, path, layer: top as ModelLayer, source });
  }
  const sorted = new Map([...models.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { dir, models: sorted, macros };
}
