// A rate-limited backfill: the sandbox enforces a small per-consumer budget over a short rolling
// window (Bitbucket's 1,000 requests an hour, with the hour compressed so the run takes seconds),
// and bbetl's budget is set to the same limit and window. Reports how much of the budget the run
// used and how many 429s it got. The worker's budget is the one it builds for the engine (a
// bucket shared through Postgres; paced in process on PGlite), given the compressed window.
import { PacedBudget, SharedBudget } from '../bitbucket/requestBudget';
import { PostgresTokenBucket } from '../warehouse/tokenBucket';
import { closePipeline, type Engine, openPipeline, type Scale } from './pipeline';
import { startSandboxProcess } from './sandboxProcess';

export interface RateLimitedBenchResult {
  engine: string;
  scale: string;
  budget: string;
  records: number;
  requests: number;
  seconds: number;
  /** The most the budget allowed over the run: limit × run time ÷ window. */
  budgetOverRun: number;
  shareOfBudgetUsed: string;
  rateLimited429s: number;
}

export const RATE_LIMIT = { perWindow: 1000, windowSeconds: 40 };

export async function benchRateLimited(scale: Scale, engine: Engine): Promise<RateLimitedBenchResult> {
  const { perWindow, windowSeconds } = RATE_LIMIT;
  const sandbox = await startSandboxProcess(scale, {
    rateLimitPerHour: perWindow,
    rateWindowSeconds: windowSeconds,
  });
  const options = { limitPerWindow: perWindow, windowMs: windowSeconds * 1000 };
  const pipeline = await openPipeline({
    engine,
    sandbox,
    label: 'ratelimit',
    budget: (db) =>
      engine === 'postgres'
        ? new SharedBudget(new PostgresTokenBucket(db), sandbox.urls.clientId, options)
        : new PacedBudget(options),
  }).catch((err) => {
    sandbox.close();
    throw err;
  });
  try {
    const run = await pipeline.backfill();
    const budgetOverRun = Math.round((perWindow * run.seconds) / windowSeconds);
    return {
      engine,
      scale,
      budget: `${perWindow} requests / ${windowSeconds} s rolling (1 h compressed ${3600 / windowSeconds}×)`,
      records: run.records,
      requests: run.requests,
      seconds: run.seconds,
      budgetOverRun,
      shareOfBudgetUsed: `${((100 * run.requests) / budgetOverRun).toFixed(1)}%`,
      rateLimited429s: run.rateLimited,
    };
  } finally {
    await closePipeline(pipeline);
  }
}
