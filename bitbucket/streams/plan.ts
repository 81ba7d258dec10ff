// The crawl plan: which lists are read, under which parent, in which order and how, and which only
// when turned on, declared once (like a DevLake subtask list). The extraction activities,
// syncRepository's steps, the test crawl and the benchmarks all follow it. Pure data: workflow
// code imports it.
import type { ParentKind, StreamName } from './catalog';

/** The parent every list of a step hangs under. */
export type PlanLevel = Exclude<ParentKind, 'root'>;

/** The stream listing the parents of each level under a workspace. */
export const PARENT_STREAM = {
  project: 'projects',
  repository: 'repositories',
  pullrequest: 'pullrequests',
  pipeline: 'pipelines',
} as const satisfies Record<Exclude<PlanLevel, 'workspace'>, StreamName>;

/** How a step reads its lists (paging itself is the catalog's strategy) and what it tombstones. */
export type ReadMode =
  /** Every page, nothing tombstoned. */
  | 'list'
  /** Every page; what a parent's list no longer holds is tombstoned. */
  | 'relist'
  /**
   * A relist made only when the records that name these (deployments naming their environment)
   * name one not stored or stored under another name, or when never read for the parent.
   */
  | 'relistWhenNamed'
  /** A relist of one workspace-wide list whose records name their parent (group members by group). */
  | 'relistByRecordParent'
  /** A relist of entities: one no longer listed takes everything under it along. */
  | 'relistEntities'
  /**
   * What the stored tips do not reach (commits: `exclude=<tip>`; they have no updated_on), read
   * whole; newest first down to a page of stored keys when none are stored or the filter is refused.
   */
  | 'unreachedFromStored'
  /**
   * Newest first, past the new records (to a page holding one stored before) and down to every
   * record stored unfinished (deployments: no documented filter or sort, served newest first);
   * read whole when the order says otherwise.
   */
  | 'newestToUnfinished'
  /** Newest first by created_on down to the window, plus the runs unfinished last time. */
  | 'newestSinceWindow'
  /** Keyset pages over the window [since, until) of updated_on. */
  | 'keysetWindow'
  /** The full lists of every parent that changed in the window, relisted. */
  | 'childrenOfChanged'
  /** The lists of every parent this run loaded, nothing tombstoned. */
  | 'childrenOfLoaded';

export interface CrawlStep {
  /** The step's name; a step of one repository-level stream is named after it. */
  readonly name: string;
  readonly level: PlanLevel;
  readonly streams: readonly StreamName[];
  /** 'window': read in every window; 'run': once per run (the first window of a backfill). */
  readonly every: 'window' | 'run';
  readonly read: ReadMode;
}

export const CRAWL_PLAN = [
  // Every window lists the workspaces and repositories again (a request per 100): one renamed or
  // deleted during a long backfill is seen by the next window.
  { name: 'workspaces', level: 'workspace', streams: ['workspaces'], every: 'window', read: 'list' },
  { name: 'members', level: 'workspace', streams: ['members'], every: 'run', read: 'relist' },
  { name: 'permissions', level: 'workspace', streams: ['permissions'], every: 'run', read: 'relist' },
  { name: 'projects', level: 'workspace', streams: ['projects'], every: 'run', read: 'relistEntities' },
  {
    name: 'project_permissions',
    level: 'project',
    streams: ['project_group_permissions', 'project_user_permissions'],
    every: 'run',
    read: 'relist',
  },
  {
    name: 'group_members',
    level: 'workspace',
    streams: ['group_members'],
    every: 'run',
    read: 'relistByRecordParent',
  },
  {
    name: 'repositories',
    level: 'workspace',
    streams: ['repositories'],
    every: 'window',
    read: 'relistEntities',
  },
  { name: 'branches', level: 'repository', streams: ['branches'], every: 'run', read: 'relist' },
  {
    name: 'deployments',
    level: 'repository',
    streams: ['deployments'],
    every: 'run',
    read: 'newestToUnfinished',
  },
  // After the deployments: they say whether the environments list has anything new.
  {
    name: 'environments',
    level: 'repository',
    streams: ['environments'],
    every: 'run',
    read: 'relistWhenNamed',
  },
  { name: 'commits', level: 'repository', streams: ['commits'], every: 'run', read: 'unreachedFromStored' },
  { name: 'pipelines', level: 'repository', streams: ['pipelines'], every: 'run', read: 'newestSinceWindow' },
  {
    name: 'pullrequests',
    level: 'repository',
    streams: ['pullrequests'],
    every: 'window',
    read: 'keysetWindow',
  },
  {
    name: 'pr_children',
    level: 'pullrequest',
    streams: ['pr_activity', 'pr_comments', 'pr_commits', 'pr_tasks'],
    every: 'window',
    read: 'childrenOfChanged',
  },
  {
    name: 'pipeline_steps',
    level: 'pipeline',
    streams: ['pipeline_steps'],
    every: 'run',
    read: 'childrenOfLoaded',
  },
] as const satisfies readonly CrawlStep[];

type PlannedStep = (typeof CRAWL_PLAN)[number];
export type WorkspaceStep = Extract<PlannedStep, { level: 'workspace' | 'project' }>;
export type RepositoryStep = Extract<PlannedStep, { level: 'repository' | 'pullrequest' | 'pipeline' }>;
/** A stream read on its own for a repository (one activity each). */
export type RepositoryStream = Extract<PlannedStep, { level: 'repository' }>['streams'][number];

const WORKSPACE_LEVELS: readonly PlanLevel[] = ['workspace', 'project'];

/** Every stream, in the plan's order. */
export const PLANNED_STREAMS: readonly StreamName[] = CRAWL_PLAN.flatMap((s) => s.streams);

/**
 * The streams a run reads only when turned on (BBETL_STREAMS, or `bbetl streams on` for a
 * connection): the ones no mart reads (test/transforms/streamDefaults.test.ts derives that from
 * the models). Branches cost one list per repository; pipeline steps one per pipeline, about half
 * of a backfill's requests.
 */
export const OFF_BY_DEFAULT: readonly StreamName[] = ['branches', 'pipeline_steps'];

/** The streams a run reads when neither the configuration nor the connection says otherwise. */
export const DEFAULT_STREAMS: readonly StreamName[] = PLANNED_STREAMS.filter(
  (s) => !OFF_BY_DEFAULT.includes(s),
);

/**
 * The streams a run reads: its scope's. A scope made before streams could be turned off (a run
 * started by older code) names none: the defaults.
 */
export function scopeStreams(scope: { readonly streams?: readonly StreamName[] }): readonly StreamName[] {
  return scope.streams ?? DEFAULT_STREAMS;
}

/** The stream listing a stream's parents, which must be read for it to be; none under the workspace. */
export function parentStream(stream: StreamName): StreamName | undefined {
  const level = CRAWL_PLAN.find((s) => (s.streams as readonly StreamName[]).includes(stream))?.level;
  return level === undefined || level === 'workspace' ? undefined : PARENT_STREAM[level];
}

/** A step is run when it reads at least one stream that is on; every window's, or all of them. */
const runs = (step: PlannedStep, includeUnwindowed: boolean, streams: readonly StreamName[]) =>
  (includeUnwindowed || step.every === 'window') && step.streams.some((s) => streams.includes(s));

/** The steps read under a workspace (and its projects), in order. */
export function workspaceSteps(
  includeUnwindowed: boolean,
  streams: readonly StreamName[],
): readonly WorkspaceStep[] {
  return CRAWL_PLAN.filter(
    (s): s is WorkspaceStep => WORKSPACE_LEVELS.includes(s.level) && runs(s, includeUnwindowed, streams),
  );
}

/** The steps read under each repository (its pull requests, its pipelines), in order. */
export function repositorySteps(
  includeUnwindowed: boolean,
  streams: readonly StreamName[],
): readonly RepositoryStep[] {
  return CRAWL_PLAN.filter(
    (s): s is RepositoryStep => !WORKSPACE_LEVELS.includes(s.level) && runs(s, includeUnwindowed, streams),
  );
}

/** The step of this name. */
export function planStep<N extends PlannedStep['name']>(name: N): Extract<PlannedStep, { name: N }> {
  return CRAWL_PLAN.find((s) => s.name === name) as Extract<PlannedStep, { name: N }>;
}
