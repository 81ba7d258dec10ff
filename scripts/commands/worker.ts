import type { Command } from 'commander';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run the Temporal worker (workflows and activities) until SIGTERM or Ctrl-C')
    .option(
      '--write-bundle <file>',
      'bundle the workflow code into <file> and exit; point TEMPORAL_WORKFLOW_BUNDLE at it so workers start without bundling',
    )
    .action(async (flags: { writeBundle?: string }) => {
      if (flags.writeBundle) return (await import('./workerRun')).writeBundle(flags.writeBundle);
      return (await import('./workerRun')).runWorker();
    });
}
