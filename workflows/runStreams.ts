// The streams a run reads, resolved once at its start (an activity: workflow code does no I/O)
// and carried down in its scope.
import { patched } from '@temporalio/workflow';
import type { SyncScope } from '../activities/contracts';
import { bookkeeping } from './activityProxies';

/**
 * Patched: a run started before streams could be turned off replays without the look-up; its
 * scopes then name no streams, which means the defaults.
 */
export async function resolveRunStreams(connectionId: string): Promise<SyncScope['streams']> {
  return patched('run-resolves-streams') ? bookkeeping.runStreams(connectionId) : undefined;
}
