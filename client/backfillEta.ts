// When a running backfill should end: the requests it still has to make (the workflow's estimate,
// from what its reads cost so far) at the pace of the request budget. What the CLI's progress line
// and the status page show.
import { durationText } from '../lib/duration';
import type { WarehouseEngine } from '../warehouse/engine';
import { consumerBucketKey, PostgresTokenBucket } from '../warehouse/tokenBucket';
import type { BackfillProgress } from '../workflows/backfill';

export interface BackfillEta {
  requestsLeft: number;
  /** The budget it is paced at (budgetPerHour). */
  ratePerHour: number;
  seconds: number;
  /** 'first window only': the ETA of the first window; later windows are not counted yet. */
  basis: NonNullable<BackfillProgress['estimate']>['basis'];
}

/**
 * Requests per hour the budget allows now. On Postgres every worker paces through one shared
 * bucket, whose rate follows 429s and the limit Bitbucket states: that rate. Otherwise each worker
 * paces on its own, at the configured limit (BITBUCKET_RATE_LIMIT_PER_HOUR).
 */
export async function budgetPerHour(
  db: WarehouseEngine,
  bitbucket: { clientId?: string; rateLimitPerHour: number },
): Promise<number> {
  const configured = bitbucket.rateLimitPerHour;
  if (db.name !== 'postgres') return configured;
  const bucket = new PostgresTokenBucket(db);
  return (await bucket.ratePerHour(consumerBucketKey(bitbucket.clientId))) ?? configured;
}

/** Undefined until the workflow has a basis for an estimate. */
export function backfillEta(
  progress: BackfillProgress | undefined,
  ratePerHour: number,
): BackfillEta | undefined {
  const estimate = progress?.estimate;
  if (!estimate) return undefined;
  return { ...estimate, ratePerHour, seconds: Math.ceil((estimate.requestsLeft / ratePerHour) * 3600) };
}

/**
 * "ETA ~2 h 5 min (estimate: ~2,080 requests left at 1,000 requests/h)"; while only the first
 * window can be estimated, its ETA, saying that later windows are not counted.
 */
export function etaText(eta: BackfillEta | undefined): string {
  if (!eta) return 'ETA: no estimate yet';
  const n = (x: number) => x.toLocaleString('en-US');
  const partial = eta.basis === 'first window only';
  return (
    `ETA ${partial ? 'of the first window ' : ''}~${durationText(eta.seconds)} (estimate: ~${n(eta.requestsLeft)} ` +
    `requests left${partial ? ' in it; later windows not measured yet' : ''} at ` +
    `${n(eta.ratePerHour)} requests/h)`
  );
}

/** Windows to read: those skipped (before the oldest repository) are not. */
export function windowsToRead(p: BackfillProgress): number {
  return p.windowsTotal - (p.windowsSkipped ?? 0);
}
