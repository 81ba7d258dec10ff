// `bbetl backfill`: starts the backfill workflow under its business id (or attaches to it), and
// pauses, resumes or cancels a running one.
import { type WorkflowHandle, WorkflowNotFoundError } from '@temporalio/client';
import { backfillId, listRunningBackfills, startBackfillWorkflow, workflowUrl } from '../../client/launch';
import type { TemporalStack } from '../../worker/stack';
import type { BackfillInput, backfill } from '../../workflows/backfill';
import type { BackfillControl, PickFlags, StartFlags } from './backfill';
import { commandContext } from './context';
import { isoSeconds, UsageError } from './options';
import { watchBackfill } from './progress';
import { withTemporal } from './temporal';
import { formatCounters, waitForWorkflow, warnIfNoWorker } from './workflows';

/** Now, to the minute: the same command given twice within a minute attaches to the first run. */
function thisMinute(): string {
  const now = new Date();
  now.setUTCSeconds(0, 0);
  return isoSeconds(now);
}

export async function startBackfill(flags: StartFlags): Promise<void> {
  const until = flags.until ?? thisMinute();
  if (Date.parse(flags.since) >= Date.parse(until)) {
    throw new UsageError(`--since (${flags.since}) must be before --until (${until})`);
  }
  const ctx = commandContext();
  const workflowId = backfillId(flags.connection, flags.workspace, flags.since, until);
  const input: BackfillInput = {
    connectionId: flags.connection,
    workspace: flags.workspace,
    since: flags.since,
    until,
    windowDays: flags.windowDays,
    readEveryList: flags.readEveryList,
  };
  await withTemporal(ctx, async (stack) => {
    const started = Date.now();
    const { handle, attached } = await startBackfillWorkflow(stack, input);
    console.log(`${attached ? 'attached to the running' : 'started'} backfill ${workflowId}`);
    const url = workflowUrl(stack, workflowId);
    if (url) console.log(`follow it at ${url}`);
    if (!flags.wait) return warnIfNoWorker(stack);
    const counters = await waitForWorkflow(ctx, stack, `backfill ${workflowId}`, (signal) =>
      watchBackfill(handle, signal, ctx.config.bitbucket.rateLimitPerHour),
    );
    if (counters) {
      const seconds = Math.round((Date.now() - started) / 1000);
      console.log(`backfill ${workflowId} completed in ${seconds}s: ${formatCounters(counters)}`);
    }
  });
}

/** The running backfill the flags point at; --since (and --until) choose among several. */
async function pickBackfill(stack: TemporalStack, flags: PickFlags): Promise<string> {
  if (flags.since && flags.until)
    return backfillId(flags.connection, flags.workspace, flags.since, flags.until);
  const prefix = `${['backfill', flags.connection, flags.workspace, ...(flags.since ? [flags.since] : [])].join(':')}:`;
  const ids = (await listRunningBackfills(stack, prefix)).map((wf) => wf.workflowId);
  if (ids.length === 1) return ids[0] as string;
  if (ids.length === 0) {
    const since = flags.since ? ` since ${flags.since}` : '';
    throw new UsageError(
      `no backfill of ${flags.workspace} (connection ${flags.connection})${since} is running`,
    );
  }
  throw new UsageError(
    `several backfills match: ${ids.join(', ')}; choose one with --since and --until (the last two parts of its id)`,
  );
}

const ACTIONS: Record<BackfillControl, [string, (h: WorkflowHandle<typeof backfill>) => Promise<void>]> = {
  pause: ['pause requested', (h) => h.signal('pause')],
  resume: ['resume requested', (h) => h.signal('resume')],
  cancel: ['cancel requested', (h) => h.cancel().then(() => {})],
};

export async function controlBackfill(control: BackfillControl, flags: PickFlags): Promise<void> {
  const [done, act] = ACTIONS[control];
  await withTemporal(commandContext(), async (stack) => {
    const workflowId = await pickBackfill(stack, flags);
    try {
      await act(stack.client.workflow.getHandle<typeof backfill>(workflowId));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new UsageError(`no backfill ${workflowId} is running`);
      throw err;
    }
    console.log(`${done}: ${workflowId}`);
  });
}
