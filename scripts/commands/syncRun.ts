// `bbetl sync`: starts incrementalSync under sync:{connection}:{workspaces} (or attaches to it).
import type { incrementalSync } from '../../workflows/incrementalSync';
import { commandContext } from './context';
import type { SyncFlags } from './sync';
import { withTemporal, workflowUrl } from './temporal';
import { formatCounters, startOrAttach, waitForWorkflow, warnIfNoWorker } from './workflows';

export async function runSync(flags: SyncFlags): Promise<void> {
  const ctx = commandContext();
  const workspaces = [...new Set(flags.workspace)].sort();
  const workflowId = `sync:${flags.connection}:${workspaces.join(',') || '*'}`;
  await withTemporal(ctx, async (stack) => {
    const { handle, attached } = await startOrAttach<typeof incrementalSync>(
      stack,
      'incrementalSync',
      workflowId,
      [{ connectionId: flags.connection, workspaces: workspaces.length ? workspaces : undefined }],
    );
    console.log(`${attached ? 'attached to the running' : 'started'} sync ${workflowId}`);
    const url = workflowUrl(stack, workflowId);
    if (url) console.log(`follow it at ${url}`);
    if (!flags.wait) return warnIfNoWorker(stack);
    const counters = await waitForWorkflow(ctx, stack, `sync ${workflowId}`, () => handle.result());
    if (counters) console.log(`sync ${workflowId} completed: ${formatCounters(counters)}`);
  });
}
