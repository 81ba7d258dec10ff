import type { Command } from 'commander';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'check the configuration, Temporal, the warehouse, the OAuth consumer and each connection; ' +
        'say how to fix what is wrong (exit 1 if anything is)',
    )
    .option('--json', 'print the checks as JSON')
    .action(async (flags: { json?: boolean }) => (await import('./doctorRun')).doctor(flags));
}
