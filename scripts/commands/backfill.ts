import type { Command } from 'commander';
import { connectionId, instant, integer, workspaceSlug } from './options';

export interface StartFlags {
  workspace: string;
  since: string;
  until?: string;
  windowDays?: number;
  readEveryList?: boolean;
  connection: string;
  wait?: boolean;
}

/** Which running backfill pause/resume/cancel act on. */
export interface PickFlags {
  workspace: string;
  since?: string;
  until?: string;
  connection: string;
}

export type BackfillControl = 'pause' | 'resume' | 'cancel';

const CONTROLS: Record<BackfillControl, string> = {
  pause: 'pause a running backfill: repositories in flight finish, no new one starts',
  resume: 'resume a paused backfill',
  cancel: 'cancel a running backfill (its run is recorded as cancelled)',
};

export function registerBackfillCommand(program: Command): void {
  const parent = program
    .command('backfill')
    .description('load a workspace over a past period, in windows; pause, resume or cancel it');

  parent
    .command('start', { isDefault: true })
    .description('start a backfill (the default: `bbetl backfill --workspace acme --since 2025-01-01`)')
    .requiredOption('--workspace <slug>', 'the workspace to load', workspaceSlug)
    .requiredOption('--since <date>', 'start of the period (2025-01-01 or 2025-01-01T12:00:00Z)', instant)
    .option('--until <date>', 'end of the period (default: now, to the minute)', instant)
    .option('--window-days <n>', 'days per window (default 90)', integer(1, 366))
    .option(
      '--read-every-list',
      'read every list of every pull request, skipping none (catches up lists a wrong count skipped)',
    )
    .option('--connection <id>', 'the connection to load through', connectionId, 'default')
    .option('--wait', 'show progress until it ends (running a worker here if none polls)')
    .action(async (flags: StartFlags) => (await import('./backfillRun')).startBackfill(flags));

  for (const [name, description] of Object.entries(CONTROLS) as Array<[BackfillControl, string]>) {
    parent
      .command(name)
      .description(description)
      .requiredOption('--workspace <slug>', 'the workspace of the backfill', workspaceSlug)
      .option('--since <date>', 'the start of the backfill, when several run for the workspace', instant)
      .option('--until <date>', 'its end, with --since', instant)
      .option('--connection <id>', 'the connection of the backfill', connectionId, 'default')
      .action(async (flags: PickFlags) => (await import('./backfillRun')).controlBackfill(name, flags));
  }
}
