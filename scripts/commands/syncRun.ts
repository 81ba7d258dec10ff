// `bbetl sync`: starts incrementalSync under sync:{connection}:{workspaces} (or attaches to it).
import { startSyncWorkflow, workflowUrl } from '../../client/launch';
import { commandContext } from './context';
import type { SyncFlags } from './sync';
import { withTemporal } from './temporal';
import { formatCounters, waitForWorkflow, warnIfNoWorker } from './workflows';

export async function runSync(flags: SyncFlags): Promise<void> {
  const ctx = commandContext();
  await withTemporal(ctx, async (stack) => {
    const { handle, attached } = await startSyncWorkflow(stack, flags.connection, flags.workspace);
    const { workflowId } = handle;
    console.log(`${attached ? 'attached to the running' : 'started'} sync ${workflowId}`);
    const url = workflowUrl(stack, workflowId);
    if (url) console.log(`follow it at ${url}`);
    if (!flags.wait) return warnIfNoWorker(stack);
    const counters = await waitForWorkflow(ctx, stack, `sync ${workflowId}`, () => handle.result());
    if (counters) console.log(`sync ${workflowId} completed: ${formatCounters(counters)}`);
  });
}
