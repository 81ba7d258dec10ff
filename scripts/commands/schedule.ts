import { type Command, Option } from 'commander';
import { connectionId, every } from './options';

export type ScheduleAction = 'describe' | 'pause' | 'resume' | 'trigger' | 'delete';

const ACTIONS: Record<ScheduleAction, string> = {
  describe: 'show the schedule: interval, state, next and recent runs',
  pause: 'pause the schedule (no syncs start until resumed)',
  resume: 'resume a paused schedule',
  trigger: 'start a sync now (skipped if one is still running)',
  delete: 'delete the schedule (a running sync finishes)',
};

const connectionOption = () =>
  new Option('--connection <id>', 'the connection of the schedule')
    .argParser(connectionId)
    .default('default');

export function registerScheduleCommand(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('the recurring incremental sync of a connection (one Temporal Schedule each)');

  schedule
    .command('create')
    .description('create the schedule: incrementalSync every --every')
    .addOption(connectionOption())
    .addOption(
      new Option('--every <duration>', 'how often to sync: 30m, 1h, 6h, 1d …')
        .argParser(every)
        .default(3_600_000, '1h'),
    )
    .action(async (flags: { connection: string; every: number }) =>
      (await import('./scheduleRun')).createSchedule(flags.connection, flags.every),
    );

  schedule
    .command('list')
    .description("list the connections' schedules")
    .option('--connection <id>', 'only the schedule of this connection', connectionId)
    .action(async (flags: { connection?: string }) =>
      (await import('./scheduleRun')).listSchedules(flags.connection),
    );

  for (const [name, description] of Object.entries(ACTIONS) as Array<[ScheduleAction, string]>) {
    schedule
      .command(name)
      .description(description)
      .addOption(connectionOption())
      .action(async (flags: { connection: string }) =>
        (await import('./scheduleRun')).onSchedule(name, flags.connection),
      );
  }
}
