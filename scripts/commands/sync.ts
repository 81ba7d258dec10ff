import { type Command, Option } from 'commander';
import { collectWorkspaces, connectionId } from './options';

export interface SyncFlags {
  workspace: string[];
  connection: string;
  wait?: boolean;
}

export function registerSyncCommand(program: Command): void {
  program
    .command('sync')
    .description(
      'run an incremental sync now, from each workspace watermark (attaches to one already running)',
    )
    .addOption(
      new Option('--workspace <slug>', 'sync only this workspace; repeat for several')
        .argParser(collectWorkspaces)
        .default([], 'every workspace of the connection'),
    )
    .option('--connection <id>', 'the connection to sync', connectionId, 'default')
    .option(
      '--wait',
      'wait for the sync to finish (running a worker here if none polls) and print its counters',
    )
    .action(async (flags: SyncFlags) => (await import('./syncRun')).runSync(flags));
}
