// `bbetl report seats`: the seats idle long enough to reclaim (marts.fct_reclaimable_seats) for
// scripts, as CSV, JSON or a text table.
import { type Command, Option } from 'commander';
import { usageExit } from './options';

export const REPORT_FORMATS = ['table', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportFlags {
  format: ReportFormat;
}

export function registerReportCommand(program: Command): void {
  const report = program
    .command('report')
    .description('print what the marts say, for scripts')
    .exitOverride(usageExit);
  report
    .command('seats')
    .description(
      'the seats idle for at least reclaim_after_days (default 60) days, with what each would save a month',
    )
    .addOption(new Option('--format <format>', 'how to print it').choices(REPORT_FORMATS).default('table'))
    .action(async (flags: ReportFlags) => (await import('./reportRun')).reportSeats(flags));
}
