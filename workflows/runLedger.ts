import { CancellationScope, ContinueAsNew, isCancellation } from '@temporalio/workflow';
import type { Counters } from '../activities/contracts';
import { bookkeeping } from './activityProxies';
import { failureMessage } from './failures';

export interface RunMeta {
  runId: string;
  connectionId: string;
  workflowId: string;
  kind: 'sync' | 'backfill' | 'incremental';
  workspace: string;
  since?: string;
  until: string;
}

/**
 * Records the run in etl_meta.runs: started, then completed / failed / cancelled with counters.
 * startRun is an upsert, so a workflow that continued as new keeps one ledger row.
 */
export async function withRun(meta: RunMeta, body: () => Promise<Counters>): Promise<Counters> {
  await bookkeeping.startRun(meta);
  try {
    const counters = await body();
    await bookkeeping.finishRun(meta.runId, 'completed', counters);
    return counters;
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    const status = isCancellation(err) ? 'cancelled' : 'failed';
    // Still recorded when the workflow is being cancelled.
    await CancellationScope.nonCancellable(() =>
      bookkeeping.finishRun(meta.runId, status, undefined, failureMessage(err)),
    );
    throw err;
  }
}
