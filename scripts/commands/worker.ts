import type { Command } from 'commander';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run the Temporal worker (workflows and activities) until SIGTERM or Ctrl-C')
    .action(async () => (await import('./workerRun')).runWorker());
}
