// The live progress line of `bbetl backfill --wait` (and `bbetl runs`), from the workflow's
// `progress` query, with an ETA at the request budget's pace: redrawn in place on a terminal,
// printed as plain lines (at most one every 2 s) otherwise.
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import type { Counters } from '../../activities/contracts';
import { backfillEta, etaText, windowsToRead } from '../../client/backfillEta';
import type { BackfillProgress, backfill } from '../../workflows/backfill';
import { formatCounters } from './workflows';

const POLL_MS = 1000;
const PLAIN_EVERY_MS = 2000;

/** `ratePerHour`: the request budget the ETA is paced at. */
export function progressLine(p: BackfillProgress, ratePerHour: number): string {
  const window = p.currentWindow
    ? ` · window ${p.currentWindow.since.slice(0, 10)}..${p.currentWindow.until.slice(0, 10)}`
    : '';
  const skipped = p.windowsSkipped
    ? ` · ${p.windowsSkipped} older windows skipped (before the oldest repository)`
    : '';
  return (
    `windows ${p.windowsDone}/${windowsToRead(p)} · repositories ${p.repositoriesDone} · ` +
    `${formatCounters(p.counters)}${window}${skipped}${p.paused ? ' · PAUSED' : ''} · ` +
    etaText(backfillEta(p, ratePerHour))
  );
}

/** Shows the progress until the backfill closes; returns (or throws) its result. */
export async function watchBackfill(
  handle: WorkflowHandle<typeof backfill>,
  signal: AbortSignal,
  ratePerHour: number,
  out: NodeJS.WriteStream = process.stdout,
): Promise<Counters> {
  const result = handle.result();
  const closed = result.then(
    () => true,
    () => true,
  );
  let drawn = false;
  let printed = '';
  let printedAt = 0;
  for (let done = false; !done; ) {
    done = await Promise.race([closed, sleep(POLL_MS, false, { signal })]);
    // An abort also ends the result's long poll (so `closed`); a call started after the abort
    // would not be cancelled by it.
    signal.throwIfAborted();
    // No answer yet (no worker has picked the workflow up): try again next round.
    const progress = await handle.query<BackfillProgress>('progress').catch(() => undefined);
    if (!progress) continue;
    const line = progressLine(progress, ratePerHour);
    if (out.isTTY) {
      out.write(`\r\x1b[2K${line}`);
      drawn = true;
    } else if (line !== printed && (done || Date.now() - printedAt >= PLAIN_EVERY_MS)) {
      out.write(`${line}\n`);
      printed = line;
      printedAt = Date.now();
    }
  }
  if (drawn) out.write('\n');
  return result;
}
