// Short activities around the extraction: the run ledger, windows and watermarks, stream errors,
// tombstones, the streams a run reads, and the transforms hook.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { StreamName } from '../bitbucket/streams/catalog';
import { enabledStreams } from '../bitbucket/streams/selection';
import { TransformFailedError } from '../transforms/service';
import { finishRun, startRun } from '../warehouse/ledger';
import { readState, writeState } from '../warehouse/raw/state';
import { tombstoneSubtree } from '../warehouse/rawQueries';
import type { Counters, RepoScope, SyncWindow } from './contracts';
import type { ActivityDeps } from './deps';
import { classified, recordSkippedStream } from './failures';

export interface RunStart {
  runId: string;
  connectionId: string;
  workflowId: string;
  kind: string;
  workspace: string;
  since?: string;
  until: string;
}

/** Well inside the transformation heartbeat timeout (workflows/activityProxies.ts). */
const TRANSFORM_HEARTBEAT_MS = 10_000;

/** Where a workspace's incremental watermark lives in etl_meta.stream_state. */
const watermarkScope = (workspace: string) => ({ stream: 'workspaces', scopeKey: `sync:${workspace}` });

export function createBookkeepingActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    async startRun(run: RunStart): Promise<void> {
      await startRun(db, {
        runId: run.runId,
        connectionId: run.connectionId,
        workflowId: run.workflowId,
        kind: run.kind,
        workspace: run.workspace,
        windowSince: run.since,
        windowUntil: run.until,
      });
    },

    async finishRun(
      runId: string,
      status: 'completed' | 'failed' | 'cancelled',
      counters?: Counters,
      message?: string,
    ) {
      await finishRun(db, { runId, status, ...counters, detail: message ? { message } : undefined });
    },

    async recordStreamError(scope: RepoScope, stream: string, kind: string, message: string): Promise<void> {
      const { connectionId, runId } = scope;
      const skip = { connectionId, runId, stream, kind, message, parentKey: scope.repository.uuid };
      await recordSkippedStream(deps, skip, { repository: scope.repository.slug });
    },

    async tombstoneRepository(scope: RepoScope): Promise<void> {
      await tombstoneSubtree(db, scope.connectionId, scope.repository.uuid, new Date().toISOString());
    },

    /**
     * The next window of each workspace: from its watermark less the overlap (a first run reads
     * everything) to the scheduled time, but never past Bitbucket's own clock (read from its Date
     * header, so a skewed local clock cannot open a window into the future).
     */
    async planIncrementalWindows(input: {
      connectionId: string;
      workspaces?: string[];
      scheduledTime?: string;
      overlapMinutes: number;
    }): Promise<Array<SyncWindow & { workspace: string }>> {
      return classified(deps, input.connectionId, async () => {
        const client = await deps.clientFor(input.connectionId);
        await client.get('/user');
        const serverNow = client.serverTime?.getTime() ?? Date.now();
        const scheduled = input.scheduledTime ? Date.parse(input.scheduledTime) : serverNow;
        const until = new Date(Math.min(scheduled, serverNow)).toISOString();
        const workspaces = input.workspaces ?? (await deps.workspacesOf(input.connectionId));
        const windows: Array<SyncWindow & { workspace: string }> = [];
        for (const workspace of workspaces) {
          const { stream, scopeKey } = watermarkScope(workspace);
          const { watermark } = await readState(db, input.connectionId, stream, scopeKey);
          // A backfill may have moved the watermark past Bitbucket's clock (its range ended at our
          // clock): the window then starts no later than it ends.
          const since = watermark
            ? new Date(
                Math.min(Date.parse(watermark) - input.overlapMinutes * 60_000, Date.parse(until)),
              ).toISOString()
            : undefined;
          windows.push({ workspace, since, until });
        }
        return windows;
      });
    },

    /** The streams a run reads (resolved once, at its start): the defaults, BBETL_STREAMS, the connection's settings. */
    async runStreams(connectionId: string): Promise<StreamName[]> {
      return enabledStreams(await deps.streamsOf(connectionId));
    },

    async commitWatermark(connectionId: string, workspace: string, until: string): Promise<void> {
      await writeState(db, { connectionId, ...watermarkScope(workspace), watermark: until });
    },

    /**
     * After a backfill of [since, until): incremental syncs continue from `until` when no watermark
     * exists yet (the first backfill sets the horizon) or when the backfill's range covers the
     * watermark. A backfill of an older range leaves a newer watermark alone.
     */
    async advanceWatermarkAfterBackfill(
      connectionId: string,
      workspace: string,
      since: string,
      until: string,
    ): Promise<boolean> {
      const { stream, scopeKey } = watermarkScope(workspace);
      const { watermark } = await readState(db, connectionId, stream, scopeKey);
      const covered =
        !watermark ||
        (Date.parse(watermark) >= Date.parse(since) && Date.parse(watermark) < Date.parse(until));
      if (covered) await writeState(db, { connectionId, stream, scopeKey, watermark: until });
      return covered;
    },

    async runTransforms(connectionId: string): Promise<void> {
      // Heartbeats say the worker is alive: one killed mid-build is noticed within the heartbeat
      // timeout, and the build retried on another worker, instead of after the 2-hour timeout.
      const context = Context.current();
      const alive = setInterval(() => context.heartbeat(), TRANSFORM_HEARTBEAT_MS);
      try {
        await deps.runTransforms(connectionId);
      } catch (err) {
        if (!(err instanceof TransformFailedError)) throw err;
        // A failed data test fails the same way on retry; a model's SQL error may be the warehouse's.
        const onlyTests = err.failures.every((f) => !('materialized' in f));
        throw ApplicationFailure.create({
          type: 'TRANSFORM_FAILED',
          message: err.message,
          nonRetryable: onlyTests,
        });
      } finally {
        clearInterval(alive);
      }
    },
  };
}
