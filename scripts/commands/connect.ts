import type { Command } from 'commander';
import { connectionId } from './options';

export interface ConnectFlags {
  clientCredentials?: boolean;
  connection: string;
}

export function registerConnectCommand(program: Command): void {
  program
    .command('connect')
    .description('connect Bitbucket and store the grant (tokens encrypted at rest); prints its status')
    .option('--client-credentials', "use the OAuth consumer's own grant: no browser, no user consent")
    .option('--connection <id>', 'id of the connection to create or replace', connectionId, 'default')
    .action(async (flags: ConnectFlags) => (await import('./connectRun')).connect(flags));
}
