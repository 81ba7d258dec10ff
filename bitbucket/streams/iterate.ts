// Reads one stream for one parent as an async iterator of pages. Each page carries the cursor to
// resume from after it, so a caller that stores page and cursor together (and heartbeats the
// cursor) can crash anywhere and continue without re-reading what it already has.
//
// `next` links are followed exactly as given. The one exception is the updated_on strategy:
// there records MOVE while we page (an update gives a record a new updated_on), and any
// offset-based page link then silently skips the record that slides into the gap. So those
// windows are read keyset-style: each page is a fresh query `updated_on >= <last seen>` sorted
// ascending, and records seen at exactly that instant are skipped by key. A record updated
// mid-read moves to the end and is read again, with its new state; none is ever skipped.
import type { BitbucketClient, Query } from '../client';
import { BitbucketError, isBitbucketError } from '../errors';
import { type ParentRef, STREAMS, type StreamDef, type StreamName } from './catalog';
import { compareIso, toBbqlUtc } from './time';

export interface StreamRecord {
  key: string;
  parentKey?: string;
  updatedOn?: string;
  payload: unknown;
}

/** A record that could not be keyed: kept with its raw text, never dropped. */
export interface RejectedRecord {
  raw: string;
  reason: string;
}

export type Cursor = { kind: 'next'; url: string } | { kind: 'keyset'; from?: string; seenAtFrom: string[] };

export interface Page {
  stream: StreamName;
  records: StreamRecord[];
  rejects: RejectedRecord[];
  /** Where to resume after this page; null when the stream is complete. */
  cursor: Cursor | null;
}

export interface IterateOptions {
  /** Closed window [since, until) on the stream's time; since undefined = from the beginning. */
  since?: string;
  until?: string;
  cursor?: Cursor | null;
  /** commits: which of these keys are already stored (stop at a page of only known commits). */
  known?: (keys: string[]) => Promise<Set<string>>;
  /** A pull request child: read the repository's whole list (`repositoryWidePath`), newest first. */
  repositoryWide?: boolean;
  /**
   * Filters the list's own query parameters take, on the first page (pipelines: `status`;
   * commits: `exclude`, repeated).
   */
  filter?: Query;
}

interface Envelope {
  values?: unknown;
  next?: unknown;
}

function keyRecords(def: StreamDef, parent: Required<ParentRef>, values: unknown[]) {
  const records: StreamRecord[] = [];
  const rejects: RejectedRecord[] = [];
  for (const value of values) {
    const record = value as Record<string, unknown>;
    const key = value && typeof value === 'object' ? def.key(record, parent) : undefined;
    if (!key) {
      rejects.push({
        raw: JSON.stringify(value) ?? String(value),
        reason: `${def.name}: record has no usable key`,
      });
      continue;
    }
    records.push({
      key,
      parentKey: def.parentKey?.(parent, record),
      updatedOn: def.updatedOn?.(record),
      payload: value,
    });
  }
  return { records, rejects };
}

function valuesOf(def: StreamDef, body: Envelope): unknown[] {
  if (!Array.isArray(body?.values)) {
    throw new BitbucketError('BAD_PAYLOAD', `${def.name}: the page has no "values" array`);
  }
  return body.values;
}

function fullParent(p: ParentRef): Required<ParentRef> {
  return {
    workspace: p.workspace ?? '',
    workspaceUuid: p.workspaceUuid ?? '',
    projectKey: p.projectKey ?? '',
    projectUuid: p.projectUuid ?? '',
    repository: p.repository ?? '',
    repositoryUuid: p.repositoryUuid ?? '',
    pullRequestId: p.pullRequestId ?? 0,
    pipelineUuid: p.pipelineUuid ?? '',
  };
}

function firstQuery(def: StreamDef): Query {
  return { ...def.query, pagelen: def.maxPagelen, ...(def.fields ? { fields: def.fields } : {}) };
}

/** Follows `next` exactly; stops early when `stop(page)` says the rest is already known. */
async function* followNext(
  client: BitbucketClient,
  def: StreamDef,
  parent: Required<ParentRef>,
  start: string,
  stop: (records: StreamRecord[]) => Promise<boolean>,
): AsyncGenerator<Page> {
  for (let url: string | undefined = start; url; ) {
    const body: Envelope = await client.get<Envelope>(url, {}, { stream: def.name });
    const { records, rejects } = keyRecords(def, parent, valuesOf(def, body));
    const next: string | undefined = typeof body.next === 'string' ? body.next : undefined;
    const more = next !== undefined && !(await stop(records)) ? next : undefined;
    yield { stream: def.name, records, rejects, cursor: more ? { kind: 'next', url: more } : null };
    url = more;
  }
}

async function* keysetWindow(
  client: BitbucketClient,
  def: StreamDef,
  parent: Required<ParentRef>,
  options: IterateOptions,
  resume?: Extract<Cursor, { kind: 'keyset' }>,
): AsyncGenerator<Page> {
  let from = resume?.from ?? options.since;
  let seen = new Set(resume?.seenAtFrom ?? []);
  for (;;) {
    const q = [
      from ? `updated_on >= ${toBbqlUtc(from)}` : undefined,
      options.until ? `updated_on < ${toBbqlUtc(options.until)}` : undefined,
    ]
      .filter(Boolean)
      .join(' AND ');
    const body = await client.get<Envelope>(
      def.path(parent),
      { ...firstQuery(def), sort: 'updated_on', ...(q ? { q } : {}) },
      { stream: def.name },
    );
    const values = valuesOf(def, body);
    const keyed = keyRecords(def, parent, values);
    const fresh = keyed.records.filter((r) => !seen.has(r.key));
    const next = typeof body.next === 'string' ? body.next : undefined;
    const last = keyed.records[keyed.records.length - 1]?.updatedOn;
    if (next && fresh.length === 0) {
      // A whole page at one instant (never seen in practice): keyset cannot move past it, so
      // the rest of this window is read by following the page links.
      yield* followNext(client, def, parent, next, async () => false);
      return;
    }
    if (last !== undefined && (from === undefined || compareIso(last, from) > 0)) {
      from = last;
      seen = new Set();
    }
    for (const r of keyed.records) {
      if (r.updatedOn !== undefined && from !== undefined && compareIso(r.updatedOn, from) === 0)
        seen.add(r.key);
    }
    const cursor: Cursor | null = next ? { kind: 'keyset', from, seenAtFrom: [...seen] } : null;
    yield { stream: def.name, records: fresh, rejects: keyed.rejects, cursor };
    if (!cursor) return;
  }
}

/** An API 1.0 resource: one unpaged answer, whose records `def.legacy` picks out. */
async function legacyPage(
  client: BitbucketClient,
  def: StreamDef & Required<Pick<StreamDef, 'legacy'>>,
  parent: Required<ParentRef>,
): Promise<Page> {
  const body = await client.get<unknown>(client.legacyUrl(def.path(parent)), {}, { stream: def.name });
  return { stream: def.name, ...keyRecords(def, parent, def.legacy(body, parent)), cursor: null };
}

function repositoryWidePath(def: StreamDef, parent: Required<ParentRef>): string {
  if (!def.repositoryWidePath) throw new Error(`${def.name} has no repository-wide list`);
  return def.repositoryWidePath(parent);
}

/** Iterates one stream for one parent from `options.cursor` (or the start) to the end. */
export async function* iterateStream(
  client: BitbucketClient,
  name: StreamName,
  parentRef: ParentRef,
  options: IterateOptions = {},
): AsyncGenerator<Page> {
  const def = STREAMS[name];
  const parent = fullParent(parentRef);
  if (def.legacy) {
    yield await legacyPage(client, { ...def, legacy: def.legacy }, parent);
    return;
  }
  const cursor = options.cursor ?? undefined;
  if (def.strategy === 'updated_on' && cursor?.kind !== 'next') {
    yield* keysetWindow(client, def, parent, options, cursor?.kind === 'keyset' ? cursor : undefined);
    return;
  }
  const path = options.repositoryWide ? repositoryWidePath(def, parent) : def.path(parent);
  const start =
    cursor?.kind === 'next'
      ? cursor.url
      : client.url(path, { ...firstQuery(def), ...options.filter }).toString();
  const before = (records: StreamRecord[]) =>
    options.since !== undefined &&
    records.length > 0 &&
    records.every((r) => r.updatedOn !== undefined && compareIso(r.updatedOn, options.since as string) < 0);
  const stop = async (records: StreamRecord[]): Promise<boolean> => {
    if (def.strategy === 'commits') {
      if (before(records)) return true;
      if (!options.known || records.length === 0) return false;
      const known = await options.known(records.map((r) => r.key));
      return records.every((r) => known.has(r.key));
    }
    // Newest first by created_on: once a whole page predates the window, the rest does too.
    if (def.strategy === 'pipelines') {
      const created = (r: StreamRecord) => (r.payload as { created_on?: string }).created_on;
      return (
        options.since !== undefined &&
        records.length > 0 &&
        records.every((r) => {
          const c = created(r);
          return c !== undefined && compareIso(c, options.since as string) < 0;
        })
      );
    }
    return false;
  };
  yield* followNext(client, def, parent, start, stop);
}

/**
 * Re-reads single records by uuid (pipelines, deployments: `{list}/{uuid}`), with the list's
 * `fields` for one object; gone ones are skipped.
 */
export async function fetchByUuid(
  client: BitbucketClient,
  name: 'pipelines' | 'deployments',
  parentRef: ParentRef,
  uuids: string[],
): Promise<Page> {
  const def = STREAMS[name];
  const parent = fullParent(parentRef);
  const fields = def.fields?.replace(/values\./g, '');
  const values: unknown[] = [];
  for (const uuid of uuids) {
    try {
      values.push(
        await client.get(`${def.path(parent)}/${encodeURIComponent(uuid)}`, fields ? { fields } : {}, {
          stream: def.name,
        }),
      );
    } catch (err) {
      if (!isBitbucketError(err, 'NOT_FOUND')) throw err;
    }
  }
  return { stream: name, ...keyRecords(def, parent, values), cursor: null };
}
