// Incremental cost: after a full backfill, the sandbox clock moves on (new pull requests, commits,
// pipelines, changed records), and one incremental sync runs. Its requests and time are set
// against the backfill's, with the share of records that actually changed (rows the run wrote or
// tombstoned, out of the live rows before it).
import { RAW_STREAMS, rawTable } from '../warehouse/rawStreams';
import { INCREMENTAL_WORKFLOW_ID, type Pipeline, type RunMeasure, type Scale } from './pipeline';

export interface IncrementalBenchResult {
  clockAdvanceHours: number;
  recordsBefore: number;
  changedRecords: number;
  changedShare: string;
  requests: number;
  backfillRequests: number;
  requestShare: string;
  seconds: number;
  backfillSeconds: number;
  timeShare: string;
}

/** Sandbox hours that change about 1% of the records at each scale (measured: see the results). */
export const CLOCK_ADVANCE_HOURS: Record<Scale, number> = { tiny: 9, small: 48, medium: 60, large: 60 };

const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(2)}%`;

async function rawCounts(pipeline: Pipeline, since: string) {
  let live = 0;
  let written = 0;
  let tombstoned = 0;
  for (const stream of RAW_STREAMS) {
    const [row] = await pipeline.db.query<Record<'live' | 'written' | 'tombstoned', string | number>>(
      `select count(*) filter (where _deleted_at is null) as live,
              count(*) filter (where _run_id like $1) as written,
              count(*) filter (where _deleted_at >= $2::timestamptz) as tombstoned
       from ${rawTable(pipeline.db, stream)}`,
      [`${INCREMENTAL_WORKFLOW_ID}%`, since],
    );
    live += Number(row?.live ?? 0);
    written += Number(row?.written ?? 0);
    tombstoned += Number(row?.tombstoned ?? 0);
  }
  return { live, changed: written + tombstoned };
}

export async function benchIncremental(
  pipeline: Pipeline,
  backfill: Pick<RunMeasure, 'requests' | 'seconds'>,
  hours: number,
): Promise<IncrementalBenchResult> {
  const startedAt = new Date().toISOString();
  const { live } = await rawCounts(pipeline, startedAt);
  await pipeline.sandbox.advanceClock({ hours });
  const run = await pipeline.incremental();
  const { changed } = await rawCounts(pipeline, startedAt);
  return {
    clockAdvanceHours: hours,
    recordsBefore: live,
    changedRecords: changed,
    changedShare: percent(changed, live),
    requests: run.requests,
    backfillRequests: backfill.requests,
    requestShare: percent(run.requests, backfill.requests),
    seconds: run.seconds,
    backfillSeconds: backfill.seconds,
    timeShare: percent(run.seconds, backfill.seconds),
  };
}
