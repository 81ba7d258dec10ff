// `bbetl schedule`: the connection's incremental schedule (one Temporal Schedule per connection,
// made by client/launch.ts): create, list, describe, pause, resume, trigger, delete.
import {
  type ScheduleDescription,
  type ScheduleHandle,
  ScheduleNotFoundError,
  type ScheduleSummary,
} from '@temporalio/client';
import { createIncrementalSchedule, SCHEDULE_PREFIX, scheduleId } from '../../client/launch';
import { formatTable } from '../../lib/table';
import type { IncrementalSyncInput } from '../../workflows/incrementalSync';
import { commandContext } from './context';
import { formatDuration, isoSeconds, UsageError } from './options';
import type { ScheduleAction } from './schedule';
import { withTemporal } from './temporal';

const when = (d: Date | undefined) => (d ? isoSeconds(d) : '-');
const interval = (spec: ScheduleSummary['spec']) =>
  spec?.intervals?.map((i) => formatDuration(i.every)).join(', ') || '-';

export async function createSchedule(connection: string, everyMs: number): Promise<void> {
  await withTemporal(commandContext(), async (stack) => {
    const id = scheduleId(connection);
    if ((await createIncrementalSchedule(stack, connection, everyMs)) === 'exists') {
      throw new UsageError(
        `schedule ${id} exists already; to change it: bbetl schedule delete --connection ${connection}, then create it again`,
      );
    }
    console.log(
      `created schedule ${id}: incrementalSync every ${formatDuration(everyMs)} on task queue ${stack.taskQueue}`,
    );
    console.log('scheduled syncs run while a worker polls that task queue (bbetl worker)');
  });
}

export async function listSchedules(connection?: string): Promise<void> {
  await withTemporal(commandContext(), async (stack) => {
    const rows: string[][] = [];
    for await (const s of stack.client.schedule.list()) {
      if (!s.scheduleId.startsWith(SCHEDULE_PREFIX)) continue;
      if (connection && s.scheduleId !== scheduleId(connection)) continue;
      rows.push([
        s.scheduleId,
        interval(s.spec),
        s.state.paused ? 'yes' : 'no',
        when(s.info.nextActionTimes[0]),
        when(s.info.recentActions.at(-1)?.takenAt),
      ]);
    }
    if (rows.length === 0) console.log('no schedules (create one with: bbetl schedule create)');
    else console.log(formatTable([['schedule', 'every', 'paused', 'next run', 'last run'], ...rows]));
  });
}

function printDescription(d: ScheduleDescription): void {
  const args = d.action.args as [IncrementalSyncInput] | undefined;
  const lines: Array<[string, string]> = [
    ['workflow', `${d.action.workflowType}(${JSON.stringify(args?.[0] ?? {})})`],
    ['task queue', d.action.taskQueue],
    ['every', `${interval(d.spec)} (overlap ${d.policies.overlap})`],
    ['paused', d.state.paused ? `yes${d.state.note ? ` (${d.state.note})` : ''}` : 'no'],
    ['created', when(d.info.createdAt)],
    ['next runs', d.info.nextActionTimes.slice(0, 3).map(when).join(', ') || '-'],
    ['running', d.info.runningActions.map((a) => a.workflow.workflowId).join(', ') || '-'],
    ['runs taken', `${d.info.numActionsTaken} (skipped while one ran: ${d.info.numActionsSkippedOverlap})`],
    ...d.info.recentActions
      .slice(-5)
      .map((a): [string, string] => ['recent', `${when(a.takenAt)} ${a.action.workflow.workflowId}`]),
  ];
  console.log(`schedule ${d.scheduleId}`);
  for (const [label, value] of lines) console.log(`  ${label.padEnd(12)} ${value}`);
}

const ACTIONS: Record<ScheduleAction, (h: ScheduleHandle) => Promise<string | undefined>> = {
  describe: async (h) => {
    printDescription(await h.describe());
    return undefined;
  },
  pause: (h) => h.pause('paused with bbetl schedule pause').then(() => 'paused'),
  resume: (h) => h.unpause('resumed with bbetl schedule resume').then(() => 'resumed'),
  trigger: (h) => h.trigger().then(() => 'triggered'),
  delete: (h) => h.delete().then(() => 'deleted'),
};

/** Runs the action on the connection's schedule; a missing schedule is a clear error. */
export async function onSchedule(action: ScheduleAction, connection: string): Promise<void> {
  await withTemporal(commandContext(), async (stack) => {
    const id = scheduleId(connection);
    let done: string | undefined;
    try {
      done = await ACTIONS[action](stack.client.schedule.getHandle(id));
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      throw new UsageError(
        `there is no schedule ${id}; create it with: bbetl schedule create --connection ${connection}`,
      );
    }
    if (done) console.log(`${done} schedule ${id}`);
  });
}
