import type { Command } from 'commander';
import { budgetPerHour } from '../../client/backfillEta';
import { formatTable } from '../../lib/table';
import { listRuns, type RunRow } from '../../warehouse/ledger';
import { type CommandContext, commandContext } from './context';
import { connectionId, integer, isoSeconds } from './options';
import type { BackfillNow } from './runsProgress';
import { withWarehouse } from './warehouseCommand';

const minute = (d: Date | null) => (d ? isoSeconds(d).slice(0, 16).replace('T', ' ') : '');

function runsTable(runs: RunRow[]): string {
  return formatTable([
    ['started', 'kind', 'connection', 'workspace', 'status', 'records', 'requests', '429s', 'errors', 'run'],
    ...runs.map((r) => [
      minute(r.startedAt),
      r.kind,
      r.connectionId,
      r.workspace ?? '',
      r.status,
      String(r.records),
      String(r.requests),
      String(r.rateLimited),
      String(r.errors),
      r.runId,
    ]),
  ]);
}

/** Where the running backfills stand (from Temporal); none when Temporal does not answer. */
async function backfillsNow(
  ctx: CommandContext,
  runs: RunRow[],
  ratePerHour: number,
): Promise<Map<string, BackfillNow>> {
  const running = runs.filter((r) => r.kind === 'backfill' && r.status === 'running');
  if (running.length === 0) return new Map();
  try {
    const { runningBackfillsNow } = await import('./runsProgress');
    return await runningBackfillsNow(ctx, running, ratePerHour);
  } catch (err) {
    console.error(`note: cannot ask Temporal how the running backfills stand: ${(err as Error).message}`);
    return new Map();
  }
}

export function registerRunsCommand(program: Command): void {
  program
    .command('runs')
    .description('list the runs in the ledger (etl_meta.runs), newest first, and how running backfills stand')
    .option('--connection <id>', 'only the runs of this connection (default: all)', connectionId)
    .option('--limit <n>', 'how many runs to show', integer(1, 1000), 20)
    .option('--json', 'print the runs as a JSON array')
    .action(async (flags: { connection?: string; limit: number; json?: boolean }) => {
      const ctx = commandContext();
      const [runs, ratePerHour] = await withWarehouse(
        async (db): Promise<[RunRow[], number]> => [
          await listRuns(db, { connectionId: flags.connection, limit: flags.limit }),
          await budgetPerHour(db, ctx.config.bitbucket),
        ],
      );
      const now = await backfillsNow(ctx, runs, ratePerHour);
      const at = (r: RunRow) => (r.workflowId ? now.get(r.workflowId) : undefined);
      if (flags.json) {
        const rows = runs.map((r) => ({ ...r, progress: at(r)?.progress, eta: at(r)?.eta }));
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      console.log(runs.length ? runsTable(runs) : 'no runs yet');
      for (const r of runs) {
        const backfill = at(r);
        if (backfill) console.log(`\n${r.workflowId}: ${backfill.line}`);
      }
    });
}
