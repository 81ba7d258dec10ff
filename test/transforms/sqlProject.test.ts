// The project this repository ships (sql/): its generated docs are current, and on an empty
// migrated warehouse every model builds, every test passes, every model whose yml lists its
// columns returns exactly those, in order (marts must have one: they are the metric glossary), and
// every mart carries its yml's descriptions, where BI tools read them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderDocs } from '../../transforms/docs';
import { loadProject, ymlPath } from '../../transforms/project';
import {
  DEFAULT_PROJECT_DIR,
  failedNodes,
  runTransformProject,
  type TransformOutcome,
} from '../../transforms/service';
import { readDescriptions } from '../support/descriptions';
import { describeEachWarehouse, useMigratedWarehouse } from '../support/warehouse';

const project = loadProject(DEFAULT_PROJECT_DIR);
const DOCS_DIR = join(DEFAULT_PROJECT_DIR, '..', 'docs');

describe('the docs of sql/', () => {
  it.each(Object.entries(renderDocs(project)))(
    'docs/%s is what `bbetl transform docs` writes',
    (file, text) => {
      expect(readFileSync(join(DOCS_DIR, file), 'utf8'), 'stale: run `bbetl transform docs`').toBe(text);
    },
  );

  it('docs/bi-tools.md lists every mart among the tables to add', () => {
    const guide = readFileSync(join(DOCS_DIR, 'bi-tools.md'), 'utf8');
    const tablesToAdd = guide.slice(guide.indexOf('## Which tables to add'), guide.indexOf('## Questions'));
    const marts = [...project.models.values()].filter((m) => m.layer === 'marts').map((m) => m.name);
    expect(marts.filter((name) => !tablesToAdd.includes(`| \`${name}\` |`))).toEqual([]);
  });
});

describeEachWarehouse(
  'sql/ on an empty warehouse',
  (engine) => {
    const fx = useMigratedWarehouse(engine, { setup: 240_000 });
    let outcome: TransformOutcome;

    beforeAll(async () => {
      outcome = await runTransformProject(fx.db, { trigger: 'test' });
    }, 240_000);

    it('builds every model and passes every test', () => {
      expect(failedNodes(outcome.results).map((n) => `${n.name}: ${n.error}`)).toEqual([]);
      expect(outcome.results.models.map((m) => m.name).sort()).toEqual([...project.models.keys()]);
    });

    const documented = [...project.models.values()].filter(
      (m) => m.layer === 'marts' || m.doc?.columns.length,
    );
    it.each(documented.map((m) => [m.name, m] as const))(
      '%s returns the columns of its yml, in order',
      async (_, model) => {
        expect(model.doc, `write ${ymlPath(model)}`).toBeDefined();
        const actual = await fx.db.query<{ column_name: string }>(
          `select column_name from information_schema.columns where table_schema = $1 and table_name = $2
         order by ordinal_position`,
          [fx.db.schemaName(model.layer), model.name],
        );
        expect(
          actual.map((c) => c.column_name),
          `the columns of ${ymlPath(model)}`,
        ).toEqual(model.doc?.columns.map((c) => c.name));
      },
    );

    const marts = [...project.models.values()].filter((m) => m.layer === 'marts');
    it.each(marts.map((m) => [m.name, m] as const))(
      '%s carries the descriptions of its yml',
      async (_, mart) => {
        expect(await readDescriptions(fx.wh.config, fx.db, 'marts', mart.name)).toEqual({
          description: mart.doc?.description,
          columns: Object.fromEntries(mart.doc?.columns.map((c) => [c.name, c.description]) ?? []),
        });
      },
    );
  },
  ['pglite', 'postgres'],
);
