// One transform run at a time across workers, and requests that arrive during a run served by the
// next one: on each engine, a second worker (a second connection pool; PGlite: a second holder,
// as it serves one process) asks while the first runs.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openWarehouse, type WarehouseEngine } from '../../warehouse/engine';
import { runExclusive } from '../../warehouse/exclusiveRuns';
import { describeEachWarehouse, useMigratedWarehouse } from '../support/warehouse';

/** A job whose runs are counted, never overlap (else it throws), and wait for `gate` to open. */
function gatedJob() {
  let active = 0;
  let open!: () => void;
  const job = {
    runs: 0,
    gate: new Promise<void>((resolve) => {
      open = resolve;
    }),
    open: () => open(),
    run: async () => {
      active += 1;
      job.runs += 1;
      try {
        if (active > 1) throw new Error('two runs at once');
        await job.gate;
        await new Promise((r) => setTimeout(r, 30)); // long enough for an overlap to show
        if (active > 1) throw new Error('two runs at once');
      } finally {
        active -= 1;
      }
    },
  };
  return job;
}

const until = async (probe: () => boolean) => {
  for (let i = 0; i < 500 && !probe(); i += 1) await new Promise((r) => setTimeout(r, 20));
  expect(probe()).toBe(true);
};

describeEachWarehouse('one run at a time across workers', (engine) => {
  const fx = useMigratedWarehouse(engine);
  let other: WarehouseEngine;
  beforeAll(async () => {
    other = fx.wh.name === 'pglite' ? fx.db : await openWarehouse(fx.wh.config);
  });
  afterAll(async () => {
    if (other !== fx.db) await other?.close();
  });
  const opts = (holder: string, coalesce = true) => ({ holder, coalesce, pollMs: 25 });

  it('runs one at a time; requests during a run share the next run; a run of its own always runs', async () => {
    const job = gatedJob();
    const first = runExclusive(fx.db, 'job-a', job.run, opts('worker-1'));
    await until(() => job.runs === 1);
    // Three requests on the other worker while the first run holds the lock, and one that wants
    // a run of its own and serves no one else (a selection of models).
    let waited = 0;
    const asked = [1, 2, 3].map(() =>
      runExclusive(other, 'job-a', job.run, { ...opts('worker-2'), onWait: () => (waited += 1) }),
    );
    const own = runExclusive(other, 'job-a', job.run, { ...opts('cli', false), covers: false });
    // All three asked (and found the lock held) before the first run ends.
    await until(() => waited === 3);
    expect(job.runs).toBe(1);
    job.open();
    expect(await first).toEqual({ ran: true, value: undefined });
    const outcomes = await Promise.all([...asked, own]);
    // One of the three ran (the others were covered by it), and the one of its own ran too.
    expect(outcomes.slice(0, 3).filter((o) => o.ran)).toHaveLength(1);
    expect(outcomes[3]).toEqual({ ran: true, value: undefined });
    expect(job.runs).toBe(3);
  }, 60_000);

  it('a failed run covers no one: its error goes to its caller, and a waiting caller runs', async () => {
    let runs = 0;
    let release!: () => void;
    const failing = runExclusive(
      fx.db,
      'job-b',
      async () => {
        runs += 1;
        await new Promise<void>((r) => {
          release = r;
        });
        throw new Error('model failed');
      },
      opts('worker-1'),
    );
    await until(() => runs === 1);
    const waiting = runExclusive(other, 'job-b', async () => 'built', opts('worker-2'));
    release();
    await expect(failing).rejects.toThrow('model failed');
    expect(await waiting).toEqual({ ran: true, value: 'built' });
  }, 60_000);

  // (Postgres locks by advisory lock: a leftover lease row means nothing there either.)
  it('takes over a lease its holder stopped renewing', async () => {
    const table = fx.db.table('etl_meta', 'exclusive_runs');
    await fx.db.query(
      `insert into ${table} (name, holder, lease_until_us) values ('job-c', 'dead-worker', 1)`,
    );
    expect(await runExclusive(other, 'job-c', async () => 'ran', opts('worker-2'))).toEqual({
      ran: true,
      value: 'ran',
    });
  });
});

describeEachWarehouse(
  'a dead worker holds no lock',
  (engine) => {
    const fx = useMigratedWarehouse(engine);
    it('Postgres: the advisory lock goes with its session', async () => {
      const other = await openWarehouse(fx.wh.config);
      try {
        const release = await fx.db.tryAdvisoryLock?.('bbetl:job-d');
        expect(release).toBeDefined();
        expect(await other.tryAdvisoryLock?.('bbetl:job-d')).toBeUndefined();
        // The holder's session ends (a killed worker): the lock is free.
        await other.query(
          `select pg_terminate_backend(pid) from pg_locks
           where locktype = 'advisory' and objsubid = 1 and objid::bigint = (hashtext($1)::bigint & 4294967295)`,
          ['bbetl:job-d'],
        );
        let again: (() => Promise<void>) | undefined;
        for (let i = 0; i < 100 && !again; i += 1) {
          again = await other.tryAdvisoryLock?.('bbetl:job-d');
          if (!again) await new Promise((r) => setTimeout(r, 20));
        }
        expect(again).toBeDefined();
        await again?.();
        await release?.(); // its session is gone: releasing is a no-op, not an error
      } finally {
        await other.close();
      }
    });
  },
  ['postgres'],
);
