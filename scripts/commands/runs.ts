import type { Command } from 'commander';
import { formatTable } from '../../lib/table';
import { listRuns, type RunRow } from '../../warehouse/ledger';
import { connectionId, integer, isoSeconds } from './options';
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

export function registerRunsCommand(program: Command): void {
  program
    .command('runs')
    .description('list the runs in the ledger (etl_meta.runs), newest first')
    .option('--connection <id>', 'only the runs of this connection (default: all)', connectionId)
    .option('--limit <n>', 'how many runs to show', integer(1, 1000), 20)
    .option('--json', 'print the runs as a JSON array')
    .action(async (flags: { connection?: string; limit: number; json?: boolean }) => {
      const runs = await withWarehouse((db) =>
        listRuns(db, { connectionId: flags.connection, limit: flags.limit }),
      );
      if (flags.json) console.log(JSON.stringify(runs, null, 2));
      else console.log(runs.length ? runsTable(runs) : 'no runs yet');
    });
}
