// The progress (and ETA) of the backfills `bbetl runs` lists as running, asked of Temporal. Loaded
// only when the ledger has such a run: the Temporal SDK takes a second to load.
import { type BackfillEta, backfillEta } from '../../client/backfillEta';
import { runningBackfills } from '../../client/launch';
import type { RunRow } from '../../warehouse/ledger';
import type { BackfillProgress } from '../../workflows/backfill';
import type { CommandContext } from './context';
import { progressLine } from './progress';
import { withTemporal } from './temporal';

export interface BackfillNow {
  progress?: BackfillProgress;
  eta?: BackfillEta;
  /** The progress line of `bbetl backfill --wait`, or why there is none. */
  line: string;
}

/** workflow id → where each running backfill of `runs` stands; `rate`: the budget per hour. */
export async function runningBackfillsNow(
  ctx: CommandContext,
  runs: RunRow[],
  rate: number,
): Promise<Map<string, BackfillNow>> {
  const connections = [...new Set(runs.map((r) => r.connectionId))];
  const found = await withTemporal(ctx, async (stack) =>
    (await Promise.all(connections.map((c) => runningBackfills(stack, c)))).flat(),
  );
  return new Map(
    found.map(({ workflowId, progress }) => [
      workflowId,
      progress
        ? { progress, eta: backfillEta(progress, rate), line: progressLine(progress, rate) }
        : { line: 'no progress: no worker answered' },
    ]),
  );
}
