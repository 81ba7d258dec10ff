// What workflows and activities exchange: ids, windows, cursors and counts, never records.
// Pure types, so workflow code can import them.
import type { BitbucketErrorKind } from '../bitbucket/errors';
import type { StreamName } from '../bitbucket/streams/catalog';

export interface Counters {
  records: number;
  requests: number;
  rateLimited: number;
  errors: number;
  rejects: number;
}

export const ZERO: Counters = { records: 0, requests: 0, rateLimited: 0, errors: 0, rejects: 0 };

export function addCounters(a: Counters, b: Counters): Counters {
  return {
    records: a.records + b.records,
    requests: a.requests + b.requests,
    rateLimited: a.rateLimited + b.rateLimited,
    errors: a.errors + b.errors,
    rejects: a.rejects + b.rejects,
  };
}

/** One sync of one workspace over a closed window [since, until) of Bitbucket time. */
export interface SyncScope {
  connectionId: string;
  workspace: string;
  runId: string;
  /** Undefined: from the beginning (a full load). */
  since?: string;
  until: string;
  /** Streams read without a window (re-lists, commits, pipelines, deployments): once per run. */
  includeUnwindowed: boolean;
  /**
   * A backfill's own start: streams read once per run that stop at a date (pipelines) reach back
   * to it, whichever window reads them. Undefined: `since`.
   */
  historySince?: string;
  /** The streams this run reads (the connection's choice); undefined (older runs): the defaults. */
  streams?: readonly StreamName[];
  /**
   * Read every child list of every changed parent: none skipped on the parent's counts or because
   * the parent did not change since its lists were read (a full re-read, e.g. to catch up).
   */
  readEveryList?: boolean;
}

export interface RepoRef {
  slug: string;
  uuid: string;
}

/** A repository as the warehouse lists it, with its created_on as Bitbucket wrote it. */
export interface ListedRepository extends RepoRef {
  createdOn?: string | null;
}

/**
 * Whether a window ending at `until` can hold anything of a repository created at `createdOn`.
 * A missing or unparsable created_on says yes: better a read too many than data lost.
 */
export function existedBefore(createdOn: string | null | undefined, until: string): boolean {
  const created = createdOn ? Date.parse(createdOn) : Number.NaN;
  return Number.isNaN(created) || created < Date.parse(until);
}

export interface RepoScope extends SyncScope {
  workspaceUuid: string;
  repository: RepoRef;
}

export interface WorkspaceLevelResult {
  workspaceUuid: string;
  repositoryCount: number;
  counters: Counters;
}

export interface SyncWindow {
  since?: string;
  until: string;
}

/** Failure types activities raise (ApplicationFailure.type): the Bitbucket error kinds. */
export type FailureKind = BitbucketErrorKind;
