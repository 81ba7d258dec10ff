import type { Command } from 'commander';

export interface WebFlags {
  worker: boolean;
  /** `bbetl start`: refuse to run without an OAuth consumer. */
  requireConsumer?: boolean;
}

export function registerWebCommand(program: Command): void {
  program
    .command('web')
    .description('serve the web app (Connections, status, dashboard) on PUBLIC_URL / PORT until Ctrl-C')
    .option(
      '--no-worker',
      'do not run a worker in this process (workers run elsewhere; not possible with the embedded PGlite warehouse)',
    )
    .action(async (flags: WebFlags) => (await import('./webRun')).runWeb(flags));
  program
    .command('start')
    .description(
      'everything on one machine against Bitbucket: web app, worker, embedded Temporal unless TEMPORAL_ADDRESS, until Ctrl-C',
    )
    .action(async () => (await import('./webRun')).runWeb({ worker: true, requireConsumer: true }));
}
