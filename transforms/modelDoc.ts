// A model's documentation and data tests: `<model>.yml` beside `<model>.sql`, in the format of
// sql/README.md. This checks one file on its own (marts: every column described, as the metric
// glossary is made of them); project.ts checks what needs the other models. Every problem names
// the file and the key, and says what to write instead.
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { closeNames, ProjectError } from './errors';
import type { ModelLayer } from './project';

export type Severity = 'error' | 'warn';
export type AcceptedValue = string | number | boolean;

export type DataTestSpec =
  | { kind: 'unique' | 'not_null'; column: string; severity: Severity }
  | { kind: 'accepted_values'; column: string; values: AcceptedValue[]; severity: Severity }
  | { kind: 'relationships'; column: string; to: string; field: string; severity: Severity }
  | { kind: 'unique_combination'; columns: string[]; severity: Severity };

export interface ColumnDoc {
  name: string;
  description?: string;
  /** This column's tests, as written. */
  tests: DataTestSpec[];
}

export interface ModelDoc {
  description?: string;
  /** In the file's order. */
  columns: ColumnDoc[];
  /** Model-level tests. */
  tests: DataTestSpec[];
}

/** The test within its model: `record_key.unique`, `unique_combination(a,b)`. */
export function testLabel(spec: DataTestSpec): string {
  return spec.kind === 'unique_combination'
    ? `${spec.kind}(${spec.columns.join(',')})`
    : `${spec.column}.${spec.kind}`;
}

/** Every test of the model: the columns' in column order, then the model-level ones. */
export function allTests(doc: ModelDoc): DataTestSpec[] {
  return [...doc.columns.flatMap((c) => c.tests), ...doc.tests];
}

export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const identifier = z.string().regex(IDENTIFIER);
const noArguments = z.union([z.null(), z.literal(true), z.strictObject({})]);

interface TestKind {
  args: z.ZodType;
  /** How to write it, for messages. */
  example: string;
}

const COLUMN_TESTS: Record<string, TestKind> = {
  unique: { args: noArguments, example: 'unique' },
  not_null: { args: noArguments, example: 'not_null' },
  accepted_values: {
    args: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1),
    example: 'accepted_values: [OPEN, MERGED]',
  },
  relationships: {
    args: z.strictObject({ to: identifier, field: identifier }),
    example: 'relationships: { to: dim_repositories, field: repository_uuid }',
  },
};

const MODEL_TESTS: Record<string, TestKind> = {
  unique_combination: {
    args: z.array(identifier).min(2),
    example: 'unique_combination: [activity_date, workspace_uuid]',
  },
};

const columnSchema = z
  .strictObject({ description: z.string().optional(), tests: z.array(z.unknown()).optional() })
  .nullable();
const docSchema = z.strictObject({
  description: z.string().optional(),
  columns: z.record(z.string(), columnSchema).optional(),
  tests: z.array(z.unknown()).optional(),
});

/** What to write at each place of the file (column names read as `*`). */
const WHAT_TO_WRITE: Record<string, string> = {
  '': 'a mapping with description, columns and tests (see sql/README.md)',
  description: 'text, e.g. `description: One row per pull request.`',
  columns:
    'a mapping of each column to its description and tests, e.g. `columns: { pr_key: { description: … } }`',
  'columns.*': "the column's description and tests, e.g. `pr_key: { description: …, tests: [unique] }`",
  'columns.*.description': 'text, e.g. `description: The pull request, as {repository uuid}:{id}.`',
  'columns.*.tests': 'a list of tests, e.g. `tests: [unique, not_null]`',
  tests: `a list of model tests, e.g. \`tests: [{ ${MODEL_TESTS.unique_combination?.example} }]\``,
};
const KEYS: Record<string, string[]> = {
  '': ['description', 'columns', 'tests'],
  'columns.*': ['description', 'tests'],
};

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

function shapeOf(path: readonly PropertyKey[]): string {
  return path.map((part, i) => (path[0] === 'columns' && i === 1 ? '*' : String(part))).join('.');
}

function explainIssue(issue: z.core.$ZodIssue): string[] {
  const at = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const known = KEYS[shapeOf(issue.path)] ?? [];
    return issue.keys.map((key) => {
      const guess = closeNames(key, known)[0];
      const hint = guess
        ? ` (did you mean "${guess}"?)`
        : key.includes(' ')
          ? ' (a comma inside { … } ends the text before it, so quote text that has one)'
          : '';
      return `${at || '(top level)'}: unknown key "${key}"${hint}; write one of ${known.join(', ')}`;
    });
  }
  const expected = WHAT_TO_WRITE[shapeOf(issue.path)] ?? issue.message;
  return [`${at || '(top level)'}: expected ${expected}`];
}

function testKinds(kinds: Record<string, TestKind>): string {
  return Object.values(kinds)
    .map((k) => k.example)
    .join(', ');
}

/** One test entry of a column (column given) or of the model; a problem is pushed instead of thrown. */
function parseTest(
  entry: unknown,
  at: string,
  column: string | undefined,
  problems: string[],
): DataTestSpec | undefined {
  const [kinds, others] = column === undefined ? [MODEL_TESTS, COLUMN_TESTS] : [COLUMN_TESTS, MODEL_TESTS];
  let kind: string;
  let args: unknown = null;
  let severity: unknown = 'error';
  if (typeof entry === 'string') kind = entry;
  else if (entry && typeof entry === 'object' && !Array.isArray(entry)) {
    const { severity: given = 'error', ...rest } = entry as Record<string, unknown>;
    const names = Object.keys(rest);
    if (names.length !== 1) {
      problems.push(`${at}: one test per list item, as \`- ${testKinds(kinds)}\` (plus \`severity: warn\`)`);
      return undefined;
    }
    kind = names[0] as string;
    args = rest[kind];
    severity = given;
  } else {
    problems.push(`${at}: a test is a name or a mapping, e.g. \`- ${testKinds(kinds)}\``);
    return undefined;
  }
  const def = kinds[kind];
  if (!def) {
    const where = column === undefined ? 'a model test' : 'a column test';
    const misplaced = others[kind]
      ? `${kind} is not ${where}: ${column === undefined ? "put it under a column's tests" : "put it in the model's tests"}`
      : `unknown test "${kind}"${closeNames(kind, Object.keys(kinds)).map((g) => ` (did you mean ${g}?)`)[0] ?? ''}`;
    problems.push(`${at}: ${misplaced}; ${where} is one of: ${testKinds(kinds)}`);
    return undefined;
  }
  if (severity !== 'error' && severity !== 'warn') {
    problems.push(`${at}.severity: write \`severity: warn\` (or error, the default)`);
    return undefined;
  }
  const parsed = def.args.safeParse(args);
  if (!parsed.success) {
    problems.push(`${at}.${kind}: write \`${def.example}\``);
    return undefined;
  }
  const value = parsed.data;
  switch (kind) {
    case 'accepted_values':
      return { kind, column: column as string, values: value as AcceptedValue[], severity };
    case 'relationships': {
      const { to, field } = value as { to: string; field: string };
      return { kind, column: column as string, to, field, severity };
    }
    case 'unique_combination':
      return { kind, columns: value as string[], severity };
    default:
      return { kind: kind as 'unique' | 'not_null', column: column as string, severity };
  }
}

function parseTests(
  entries: unknown[] | undefined,
  at: string,
  column: string | undefined,
  problems: string[],
) {
  const specs: DataTestSpec[] = [];
  (entries ?? []).forEach((entry, i) => {
    const spec = parseTest(entry, `${at}[${i}]`, column, problems);
    if (spec && specs.some((s) => testLabel(s) === testLabel(spec)))
      problems.push(`${at}[${i}]: ${testLabel(spec)} is listed twice; keep one`);
    else if (spec) specs.push(spec);
  });
  return specs;
}

/** Reads one `<model>.yml`; `file` (project-relative) names it in errors. Throws ProjectError listing every problem. */
export function parseModelDoc(file: string, text: string, layer: ModelLayer): ModelDoc {
  const fail = (problems: string[]): never => {
    throw new ProjectError(problems.map((p) => `${file}: ${p}`).join('\n'));
  };
  const yaml = parseDocument(text);
  if (yaml.errors.length > 0) fail(yaml.errors.map((e) => e.message.trim()));
  const parsed = docSchema.safeParse(yaml.toJS() ?? {});
  if (!parsed.success) return fail(parsed.error.issues.flatMap(explainIssue));
  const problems: string[] = [];
  const columns = Object.entries(parsed.data.columns ?? {}).map(([name, column]): ColumnDoc => {
    if (!IDENTIFIER.test(name))
      problems.push(
        `columns.${name}: a column name is letters, digits and underscores, as the model returns it`,
      );
    const description = column?.description?.trim() || undefined;
    if (layer === 'marts' && !description)
      problems.push(
        `columns.${name}: a mart column needs a description (the marts are the metric glossary); write \`${name}: { description: … }\``,
      );
    return { name, description, tests: parseTests(column?.tests, `columns.${name}.tests`, name, problems) };
  });
  const description = parsed.data.description?.trim() || undefined;
  if (layer === 'marts' && !description)
    problems.push('description: a mart needs a description; write `description: One row per …`');
  if (layer === 'marts' && columns.length === 0)
    problems.push('columns: a mart lists every column it returns, in order, each with a description');
  const tests = parseTests(parsed.data.tests, 'tests', undefined, problems);
  if (problems.length > 0) fail(problems);
  return { description, columns, tests };
}
