// One run of a named job at a time across every worker on this warehouse, and the requests that
// arrive during a run served by the next one: a caller is done once a run that started after it
// asked has succeeded (its own, or another worker's). Ten syncs finishing together on three
// workers cost two transform runs, not ten fighting over the same tables.
//
// The lock: on Postgres a session advisory lock (the server drops it with a dead worker's
// session); on PGlite and BigQuery a lease row in etl_meta.exclusive_runs, renewed while the run
// lasts, that another worker may take once it has expired. Times come from the warehouse's clock.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WarehouseEngine } from './engine';

export interface ExclusiveRunOptions {
  /** Who runs (worker identity): the lease holder is this and a tag of the call. */
  holder: string;
  /**
   * true: a caller whose request a run of someone else's covered returns without running (the
   * worker's transforms after a sync). false: it always runs its own, in turn (`bbetl transform`).
   */
  coalesce: boolean;
  /** Whether this run, once it succeeds, serves the requests made before it started (default true;
   * false for a partial run, e.g. a selection of models). */
  covers?: boolean;
  /** How often a waiting caller looks again. */
  pollMs?: number;
  /** How long a lease lasts unless renewed (renewed every third of it). */
  leaseMs?: number;
  /** Called once, when the caller first finds another run holding the lock. */
  onWait?: () => void;
}

/** ran: this caller's run succeeded, with what it returned; covered: another's run served it. */
export type ExclusiveRunOutcome<T> = { ran: true; value: T } | { ran: false };

const table = (db: WarehouseEngine) => db.table('etl_meta', 'exclusive_runs');
const nowUs = (db: WarehouseEngine) =>
  db.dialect === 'bigquery'
    ? 'unix_micros(current_timestamp())'
    : '(extract(epoch from clock_timestamp()) * 1000000)::bigint';

async function warehouseNowUs(db: WarehouseEngine): Promise<number> {
  const [row] = await db.query<{ us: unknown }>(`select ${nowUs(db)} as us`);
  return Number(row?.us);
}

async function ensureRow(db: WarehouseEngine, name: string): Promise<void> {
  await db.query(
    db.dialect === 'bigquery'
      ? `merge ${table(db)} t using (select $1 as name) s on t.name = s.name
         when not matched then insert (name) values ($1)`
      : `insert into ${table(db)} (name) values ($1) on conflict do nothing`,
    [name],
  );
}

/** The start of the newest successful run, in warehouse microseconds (0: none yet). */
async function coveredFrom(db: WarehouseEngine, name: string): Promise<number> {
  const [row] = await db.query<{ us: unknown }>(
    `select covered_from_us as us from ${table(db)} where name = $1`,
    [name],
  );
  return Number(row?.us ?? 0);
}

/** The lease row: taken when free, expired or already ours; renewed every third of its length. */
async function tryLease(
  db: WarehouseEngine,
  name: string,
  holder: string,
  leaseMs: number,
): Promise<(() => Promise<void>) | undefined> {
  const leaseUs = leaseMs * 1000;
  // Read first: a waiting worker writes only when the lease looks free (DML is dear on BigQuery).
  const [seen] = await db.query<{ holder: unknown; expired: unknown }>(
    `select holder, coalesce(lease_until_us < ${nowUs(db)}, true) as expired from ${table(db)} where name = $1`,
    [name],
  );
  if (seen?.holder && seen.holder !== holder && seen.expired !== true) return undefined;
  try {
    await db.query(
      `update ${table(db)} set holder = $2, lease_until_us = ${nowUs(db)} + $3
       where name = $1 and (holder is null or holder = $2 or lease_until_us < ${nowUs(db)})`,
      [name, holder, leaseUs],
    );
  } catch (error) {
    // BigQuery aborts one of two concurrent updates of a table: the other worker won.
    if (db.dialect === 'bigquery' && /concurrent update|serialize access/i.test(String(error)))
      return undefined;
    throw error;
  }
  const [row] = await db.query<{ holder: unknown }>(`select holder from ${table(db)} where name = $1`, [
    name,
  ]);
  if (row?.holder !== holder) return undefined;
  const renew = setInterval(() => {
    db.query(`update ${table(db)} set lease_until_us = ${nowUs(db)} + $3 where name = $1 and holder = $2`, [
      name,
      holder,
      leaseUs,
    ]).catch(() => {}); // a missed renewal shortens the lease; the next one may land
  }, leaseMs / 3);
  return async () => {
    clearInterval(renew);
    await db.query(
      `update ${table(db)} set holder = null, lease_until_us = null where name = $1 and holder = $2`,
      [name, holder],
    );
  };
}

const tryLock = (db: WarehouseEngine, name: string, holder: string, leaseMs: number) =>
  db.tryAdvisoryLock ? db.tryAdvisoryLock(`bbetl:${name}`) : tryLease(db, name, holder, leaseMs);

/**
 * Runs `run` under the job's lock. With `coalesce`, returns without running when a run
 * that started after this call succeeded meanwhile. A failed run covers nobody: its error goes to
 * its caller, and the callers waiting on it try in turn.
 */
export async function runExclusive<T>(
  db: WarehouseEngine,
  name: string,
  run: () => Promise<T>,
  options: ExclusiveRunOptions,
): Promise<ExclusiveRunOutcome<T>> {
  const pollMs = options.pollMs ?? 1000;
  const leaseMs = options.leaseMs ?? 120_000;
  // Each call its own holder: two calls of one worker must not both pass for the lease's owner.
  const holder = `${options.holder}#${randomUUID().slice(0, 8)}`;
  await ensureRow(db, name);
  const askedUs = await warehouseNowUs(db);
  const covered = async () => options.coalesce && (await coveredFrom(db, name)) >= askedUs;
  for (let waited = false; ; waited = true) {
    // (Before the first try nothing can have covered a request made just now.)
    if (waited && (await covered())) return { ran: false };
    const release = await tryLock(db, name, holder, leaseMs);
    if (release) {
      try {
        if (await covered()) return { ran: false };
        const startedUs = await warehouseNowUs(db);
        const value = await run();
        if (options.covers !== false)
          await db.query(
            `update ${table(db)} set covered_from_us = greatest(coalesce(covered_from_us, 0), $2) where name = $1`,
            [name, startedUs],
          );
        return { ran: true, value };
      } finally {
        await release();
      }
    }
    if (!waited) options.onWait?.();
    await sleep(pollMs);
  }
}
