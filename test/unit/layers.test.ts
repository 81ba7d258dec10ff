// Which folder may import which: one table (LAYERS), checked against every import of the product
// code and rendered into the README's "Where things are". An import that crosses a layer the wrong
// way fails here with the file, the import and the rule it breaks.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOf } from '../support/imports';

const ROOT = resolve(import.meta.dirname, '../..');

interface Layer {
  job: string;
  /** Folders (`name/`) and files of the project its files may import; its own folder always. */
  imports: string[];
  /** What it may import for types only (`import type`): checked at compile time, loads no code. */
  types?: string[];
  /** The only packages it may import; absent: any package. */
  packages?: string[];
}

/** The bottom layer first: a layer imports only layers listed before it. */
const LAYERS: Record<string, Layer> = {
  'lib/': {
    job: 'helpers that know no part of the product: logging with secret redaction, ports, pid files, exclusive file creation, coalesced runs, a cookie-keeping form client, text tables, the secret-key text checks, the connection-store interfaces that `bitbucket/` uses and `warehouse/` implements',
    imports: [],
  },
  'sandbox/': {
    job: 'the Bitbucket Cloud emulator: seeded data (`data/`), OAuth (`oauth/`), API 2.0 (`api/`), control API, faults',
    imports: ['lib/'],
  },
  'bitbucket/': {
    job: 'Bitbucket access: API client, request budget, typed errors, stream catalog, crawl plan and iterators (`streams/`), OAuth and token vault (`auth/`)',
    imports: ['lib/'],
  },
  'temporal.config.ts': {
    job: 'the one typed, zod-validated configuration',
    // The streams BBETL_STREAMS may name, and how it changes which are read.
    imports: ['lib/', 'bitbucket/streams/selection.ts'],
  },
  'warehouse/': {
    job: 'engine adapters (PGlite, Postgres, BigQuery) behind one interface; migrations; raw loads (`raw/`), ledger',
    imports: ['lib/', 'temporal.config.ts'],
  },
  'transforms/': {
    job: 'the dbt-style SQL engine: project and `.yml` docs loading, nunjucks compile (`ref`, `source`, `config`, `is_incremental`, `var`, per-engine macros), DAG and selection, view/table/incremental runs, data tests, docs',
    imports: ['lib/', 'warehouse/'],
  },
  'activities/': {
    job: 'Temporal activities: thin, heartbeating side effects (extract pages, run transforms, reconcile deletes)',
    imports: ['lib/', 'bitbucket/', 'warehouse/', 'transforms/'],
  },
  'workflows/': {
    job: 'Temporal workflows: deterministic orchestration only (cursors, counts and ids, never records)',
    imports: ['activities/contracts.ts', 'bitbucket/streams/plan.ts'],
    types: ['activities/'],
    packages: ['@temporalio/workflow', '@temporalio/common'],
  },
  'client/': {
    job: 'starting, querying and scheduling workflows, and asking the server who polls a task queue: what the CLI and the web app use (no worker code)',
    imports: ['lib/', 'warehouse/'],
    types: ['workflows/'],
  },
  'services/': {
    job: 'the composition root: builds the warehouse, token vault, request budget and transform runs from the configuration, for the worker, the web app and the CLI; the Prometheus metrics (`metrics.ts`) wired to them',
    imports: ['lib/', 'temporal.config.ts', 'bitbucket/', 'warehouse/', 'transforms/'],
    types: ['activities/'],
  },
  'worker/': {
    job: 'the Temporal worker and its metrics port; the Temporal stack of a CLI command (a worker for the command when none polls); the embedded Temporal dev server',
    imports: ['lib/', 'temporal.config.ts', 'activities/', 'client/', 'services/'],
  },
  'web/': {
    job: 'the web app: sign-in and sessions (`auth/`), Connections and invites (`connections/`), status (`status/`), dashboard queries (`dashboard/`), `/metrics`, views and assets',
    imports: [
      'lib/',
      'temporal.config.ts',
      'bitbucket/',
      'warehouse/',
      'transforms/',
      'client/',
      'services/',
    ],
  },
  'scripts/': {
    job: 'the `bbetl` CLI and its bundle (`cliBundle.mjs`), provisioning, the `npm ci` postinstall; only the commands that run a worker or the dev server reach `worker/`',
    imports: [
      'lib/',
      'temporal.config.ts',
      'sandbox/',
      'bitbucket/',
      'warehouse/',
      'transforms/',
      'client/',
      'services/',
      'worker/',
      'web/',
    ],
    types: ['activities/', 'workflows/'],
  },
};

/** The folders whose imports are not checked: no product code, or code that drives all of it. */
const UNCHECKED: Record<string, { job: string; imports: string }> = {
  'sql/': {
    job: 'the models: `staging/` → `intermediate/` → `marts/`, `macros/`, custom `tests/`; see `sql/README.md`',
    imports: 'no code',
  },
  'docs/': { job: 'generated: the models with lineage, and the metric glossary', imports: 'no code' },
  'bench/': { job: 'benchmarks (numbers, not pass/fail)', imports: 'anything' },
  'test/': {
    job: 'smoke, unit, integration and browser tests; `test/support/` is the harness (Temporal, warehouses, Chromium, sandbox, web app); browser tests write screenshots to `test-results/screenshots/`',
    imports: 'anything',
  },
};

const code = (names: string[]) => names.map((n) => `\`${n}\``).join(', ');

function mayImport(layer: Layer): string {
  return [
    layer.imports.length > 0 ? code(layer.imports) : 'nothing of the project',
    layer.types ? `types from ${code(layer.types)}` : '',
    layer.packages ? `of packages only ${code(layer.packages)}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

/** The README's folder map: each folder, its job, what it may import. */
function layersTable(): string {
  return [
    '| folder | its job | may import |',
    '|---|---|---|',
    ...Object.entries(LAYERS).map(([name, layer]) => `| \`${name}\` | ${layer.job} | ${mayImport(layer)} |`),
    ...Object.entries(UNCHECKED).map(
      ([name, folder]) => `| \`${name}\` | ${folder.job} | ${folder.imports} |`,
    ),
  ].join('\n');
}

/** `web/app.ts` → `web/`; a file at the root is its own layer. */
function layerOf(path: string): string {
  const slash = path.indexOf('/');
  return slash === -1 ? path : path.slice(0, slash + 1);
}

/** The project file a relative specifier names, relative to the root. */
function resolveModule(file: string, specifier: string): string {
  const base = resolve(ROOT, dirname(file), specifier);
  const found = [`${base}.ts`, join(base, 'index.ts'), base].find(
    (c) => existsSync(c) && statSync(c).isFile(),
  );
  return relative(ROOT, found ?? base);
}

const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

const covers = (entry: string, target: string) =>
  entry.endsWith('/') ? target.startsWith(entry) : target === entry;

/** One line per import of `file` (relative to the root) that LAYERS does not allow. */
function violations(file: string, text: string): string[] {
  const from = layerOf(file);
  const layer = LAYERS[from];
  if (!layer) return [`${file}: ${from} has no row in LAYERS`];
  return importsOf(file, text).flatMap(({ specifier, typeOnly }) => {
    if (!specifier.startsWith('.')) {
      const allowed = !layer.packages || layer.packages.includes(packageOf(specifier));
      return allowed ? [] : [`${file} imports '${specifier}': ${from} may import ${mayImport(layer)}`];
    }
    const target = resolveModule(file, specifier);
    const allowed = [from, ...layer.imports, ...(typeOnly ? (layer.types ?? []) : [])];
    if (allowed.some((entry) => covers(entry, target))) return [];
    const kind = typeOnly ? 'types from' : 'code from';
    return [`${file} imports ${kind} '${specifier}' (${target}): ${from} may import ${mayImport(layer)}`];
  });
}

function sourceFiles(): string[] {
  return Object.keys(LAYERS).flatMap((name) =>
    name.endsWith('/')
      ? readdirSync(join(ROOT, name), { recursive: true, encoding: 'utf8' })
          .filter((f) => f.endsWith('.ts'))
          .map((f) => join(name, f))
      : [name],
  );
}

const holdsTypeScript = (dir: string) =>
  readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' }).some((f) => f.endsWith('.ts'));

describe('layers', () => {
  it('every import of the product code is one its layer may make', () => {
    const files = sourceFiles();
    expect(new Set(files.map(layerOf))).toEqual(new Set(Object.keys(LAYERS)));
    const broken = files.flatMap((file) => violations(file, readFileSync(join(ROOT, file), 'utf8')));
    expect(broken).toEqual([]);
  });

  it('names the file, the import and the rule of an import that crosses a layer the wrong way', () => {
    expect(violations('web/probe.ts', "import { createWorker } from '../worker/worker';")).toEqual([
      `web/probe.ts imports code from '../worker/worker' (worker/worker.ts): web/ may import ${mayImport(LAYERS['web/'] as Layer)}`,
    ]);
    expect(violations('lib/probe.ts', "export const f = () => import('../warehouse/engine');")).toHaveLength(
      1,
    );
    expect(violations('client/probe.ts', "import type { backfill } from '../workflows/backfill';")).toEqual(
      [],
    );
    expect(violations('client/probe.ts', "import { backfill } from '../workflows/backfill';")).toHaveLength(
      1,
    );
    expect(violations('workflows/probe.ts', "import { hostname } from 'node:os';")).toHaveLength(1);
  });

  it('every folder with TypeScript has a row', () => {
    const folders = readdirSync(ROOT, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules')
      .map((e) => `${e.name}/`)
      .filter(holdsTypeScript);
    const rows = [...Object.keys(LAYERS), ...Object.keys(UNCHECKED)];
    expect(folders.filter((f) => !rows.includes(f))).toEqual([]);
  });

  it('lists every layer after the layers it imports', () => {
    const order = Object.keys(LAYERS);
    const later = Object.entries(LAYERS).flatMap(([name, layer]) =>
      [...layer.imports, ...(layer.types ?? [])]
        .filter((entry) => order.indexOf(layerOf(entry)) >= order.indexOf(name))
        .map((entry) => `${name} imports ${entry}`),
    );
    expect(later).toEqual([]);
  });

  it('the README maps the folders exactly as LAYERS does', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(layersTable());
  });
});
