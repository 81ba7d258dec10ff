// `bbetl workspace price`: the price of a seat per month, dated, per workspace or as the default
// of every workspace ('*'); `bbetl workspace prices` lists them. The transforms read them on their
// next run (fct_seat_spend_monthly, fct_reclaimable_seats); where none applies, SEAT_PRICE does.
import type { Command } from 'commander';
import { usageExit } from './options';

export interface PriceFlags {
  from?: string;
}

export function registerWorkspaceCommand(program: Command): void {
  const workspace = program
    .command('workspace')
    .description('settings of the workspaces: the price of a seat')
    .exitOverride(usageExit);
  workspace
    .command('price <workspace> <amount> <currency>')
    .description(
      "set the price of a seat per month in <workspace> ('*': every workspace without its own), from a day on",
    )
    .option('--from <YYYY-MM-DD>', 'the first day the price applies (default: today, UTC)')
    .action(async (ws: string, amount: string, currency: string, flags: PriceFlags) =>
      (await import('./workspaceRun')).setPrice(ws, amount, currency, flags),
    );
  workspace
    .command('prices')
    .description('list the seat prices, the days they apply from, and the SEAT_PRICE default')
    .action(async () => (await import('./workspaceRun')).listPrices());
}
