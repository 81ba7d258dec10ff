// The dashboard's filters, read from the query string (GET forms, so every view is a shareable URL):
// workspace, date range, and per page team, project, period, environment or a table's sort order
// (checked against the table's columns by the page that sorts). Each bad value is a
// 400 whose message says what to write instead. The default range is the 90 days ending at the
// data's as-of date, not the wall clock: a warehouse that stopped syncing still shows its data.
import { z } from 'zod';
import { HttpError } from '../errors';
import { addDays, isIsoDay } from './days';
import type { MartReader } from './marts';
import { loadProjects, loadTeams, type Project, type Scope, type Team, type Workspace } from './scope';

const DEFAULT_RANGE_DAYS = 90;
const PERIODS = ['week', 'month'] as const;
const ENVIRONMENTS = ['Production', 'Staging', 'Test'] as const;
const SORT_DIRECTIONS = ['asc', 'desc'] as const;

/** The filters a page can offer besides workspace and range. */
export type FilterName = 'team' | 'project' | 'period' | 'environment' | 'sort';

/** A table sorted by one of its columns (`?sort=<column>&dir=asc|desc`). */
export interface Sort {
  key: string;
  dir: (typeof SORT_DIRECTIONS)[number];
}

export interface Filters {
  workspace: Workspace;
  from: string;
  to: string;
  /** The last day with data in the range: point-in-time figures (seats, teams) are as of it. */
  asOf: string;
  /** The data's first day and its as-of date, whatever the range (dim_users is as of the latter). */
  firstDay: string;
  lastDay: string;
  team?: Team;
  project?: Project;
  period: (typeof PERIODS)[number];
  environment: (typeof ENVIRONMENTS)[number];
  /** The sort a page's table was asked for: a column key its page has yet to check. */
  sort?: Sort;
  /** What the filter form offers. */
  choices: {
    workspaces: Workspace[];
    teams: Team[];
    projects: Project[];
    periods: typeof PERIODS;
    environments: typeof ENVIRONMENTS;
  };
}

/** Shown in messages: a value from the address, cut short. */
export const quoted = (value: string) => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

/** One optional text parameter; an empty form field counts as absent. */
const param = (name: string) =>
  z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string({ error: `${name}: give it once, as text` })
      .max(200, `${name}: too long`)
      .optional(),
  );

const dayParam = (name: string) =>
  param(name).superRefine((value, ctx) => {
    if (value !== undefined && !isIsoDay(value))
      ctx.addIssue({
        code: 'custom',
        message: `${name} ${quoted(value)} is not a date: write it as YYYY-MM-DD, e.g. 2026-08-01`,
      });
  });

const choiceParam = <T extends readonly [string, ...string[]]>(name: string, values: T) =>
  z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.enum(values, { error: `${name}: write one of ${values.join(', ')}` }).optional(),
  );

const querySchema = z.object({
  workspace: param('workspace'),
  from: dayParam('from'),
  to: dayParam('to'),
  team: param('team'),
  project: param('project'),
  period: choiceParam('period', PERIODS),
  environment: choiceParam('environment', ENVIRONMENTS),
  sort: param('sort'),
  dir: choiceParam('dir', SORT_DIRECTIONS),
});

export const badRequest = (problem: string) => new HttpError(400, `Check the address: ${problem}.`);

/**
 * The item `wanted` names (by any of its keys; undefined when nothing is wanted), or a 400 that
 * lists what there is to choose from.
 */
function choose<T>(
  what: string,
  where: string,
  items: T[],
  wanted: string | undefined,
  keys: (item: T) => string[],
): T | undefined {
  if (wanted === undefined) return undefined;
  const found = items.find((item) => keys(item).includes(wanted));
  if (found) return found;
  const known = items.map((item) => keys(item)[0]);
  throw badRequest(
    `there is no ${what} ${quoted(wanted)} ${where}; ` +
      (known.length ? `use one of ${known.join(', ')}, or leave ${what} empty` : `leave ${what} empty`),
  );
}

/** Validates the query against the data; throws HttpError 400 with what to fix. */
export async function readFilters(
  query: unknown,
  scope: Scope,
  reader: MartReader,
  offered: readonly FilterName[],
): Promise<Filters> {
  const parsed = querySchema.safeParse(query ?? {});
  if (!parsed.success) throw badRequest(parsed.error.issues.map((i) => i.message).join('; '));
  const q = parsed.data;

  const workspaces = scope.workspaces;
  const workspace =
    choose('workspace', 'in the data', workspaces, q.workspace, (w) => [w.key, w.uuid]) ??
    (workspaces[0] as Workspace);

  const to = q.to ?? scope.lastDay;
  const from = q.from ?? addDays(to, -(DEFAULT_RANGE_DAYS - 1));
  if (from > to) throw badRequest(`from (${from}) is after to (${to}); swap them`);
  // A filter the page does not offer is ignored: links from other pages may carry it.
  const wantedTeam = offered.includes('team') ? q.team : undefined;
  const wantedProject = offered.includes('project') ? q.project : undefined;
  if (wantedTeam && wantedProject) throw badRequest('choose a team or a project, not both');

  const teams = offered.includes('team') ? await loadTeams(reader, workspace.uuid) : [];
  const projects = offered.includes('project') ? await loadProjects(reader, workspace.uuid) : [];
  const where = `in workspace ${workspace.key}`;
  const team = choose('team', where, teams, wantedTeam, (t) => [t.slug]);
  const project = choose('project', where, projects, wantedProject, (p) => [p.key]);

  return {
    workspace,
    from,
    to,
    asOf: [to, scope.lastDay].sort()[0] as string,
    firstDay: scope.firstDay,
    lastDay: scope.lastDay,
    team,
    project,
    period: q.period ?? 'week',
    environment: q.environment ?? 'Production',
    sort: offered.includes('sort') && q.sort ? { key: q.sort, dir: q.dir ?? 'asc' } : undefined,
    choices: { workspaces, teams, projects, periods: PERIODS, environments: ENVIRONMENTS },
  };
}

/**
 * The query string that reproduces the filters a page offers (what links between pages and to the
 * CSV carry), with `changes` applied, e.g. { team: 'backend' } to narrow to a team.
 */
export function filterQuery(
  filters: Filters,
  offered: readonly FilterName[],
  changes: Partial<Record<FilterName | 'dir', string>> = {},
): string {
  const params = new URLSearchParams({
    workspace: filters.workspace.key,
    from: filters.from,
    to: filters.to,
  });
  if (offered.includes('team') && filters.team) params.set('team', filters.team.slug);
  if (offered.includes('project') && filters.project) params.set('project', filters.project.key);
  if (offered.includes('period')) params.set('period', filters.period);
  if (offered.includes('environment')) params.set('environment', filters.environment);
  if (offered.includes('sort') && filters.sort) {
    params.set('sort', filters.sort.key);
    params.set('dir', filters.sort.dir);
  }
  for (const [name, value] of Object.entries(changes)) params.set(name, value);
  return params.toString();
}
