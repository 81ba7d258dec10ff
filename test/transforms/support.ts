// What the transform tests share: the fixtures folder, throwaway projects written from
// { path: source }, and relation namers of both dialects (compiling needs no warehouse).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import type { RelationNamer } from '../../transforms/compile';
import { loadProject, type Project } from '../../transforms/project';
import { quoteBqIdent, quotePgIdent } from '../../warehouse/engine';

export interface TempProject {
  dir: string;
  project: () => Project;
}

/** Call at the top of a test file; returns the maker of projects. */
export function tempProjects(): (files: Record<string, string>) => TempProject {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  return (files) => {
    const dir = mkdtempSync(join(tmpdir(), 'bbetl-transforms-'));
    for (const [path, source] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), source);
    }
    dirs.push(dir);
    return { dir, project: () => loadProject(dir) };
  };
}

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

export const pg: RelationNamer = {
  dialect: 'postgres',
  table: (schema, name) => `${quotePgIdent(schema)}.${quotePgIdent(name)}`,
};
export const bq: RelationNamer = {
  dialect: 'bigquery',
  table: (schema, name) => quoteBqIdent(`proj.bbetl_${schema}.${name}`),
};
