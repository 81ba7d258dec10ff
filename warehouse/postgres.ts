import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import type { Queryable, Row, WarehouseEngine } from './engine';
import { postgresNames } from './postgresNames';

/**
 * A client of the pool's for the caller alone. A checked-out client whose server goes away
 * (restart, network) emits 'error', and an unheard 'error' would crash the process: the statement
 * in flight fails anyway; `done` then drops the broken client rather than return it to the pool.
 */
async function checkout(pool: pg.Pool) {
  const conn = await pool.connect();
  let lost: Error | undefined;
  const onLost = (err: Error) => {
    lost = err;
  };
  conn.on('error', onLost);
  return {
    conn,
    lose(err: unknown) {
      lost ??= err instanceof Error ? err : new Error(String(err));
    },
    done() {
      conn.off('error', onLost);
      conn.release(lost);
    },
  };
}

export async function openPostgres(url: string, schemaPrefix?: string): Promise<WarehouseEngine> {
  // JIT off for these sessions: the models' cross joins (days × projects × features) have cost
  // estimates far above their rows, so the server compiled them for seconds to run milliseconds
  // (medium scale: 3.6 s of JIT for a 0.5 s query, measured with EXPLAIN ANALYZE).
  const pool = new pg.Pool({
    connectionString: url,
    max: 4,
    application_name: 'bbetl',
    options: '-c jit=off',
  });
  // An idle client that loses its server (restart, network) must not crash the process.
  pool.on('error', () => {});
  // Fail at open, with the server's own reason, rather than at the first query.
  const client = await pool.connect();
  client.release();
  const run = (q: pg.Pool | pg.PoolClient): Queryable => ({
    async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []) {
      return (await q.query<T>(sql, params as unknown[])).rows;
    },
  });
  return {
    name: 'postgres',
    dialect: 'postgres',
    ...postgresNames(schemaPrefix),
    ...run(pool),
    async transaction(fn) {
      const { conn, done } = await checkout(pool);
      try {
        await conn.query('begin');
        const tx: Queryable = {
          ...run(conn),
          async copyFrom(sql, source) {
            const stream = conn.query(copyFromStdin(sql));
            await pipeline(Readable.from(source), stream);
            return stream.rowCount;
          },
        };
        const result = await fn(tx);
        await conn.query('commit');
        return result;
      } catch (err) {
        await conn.query('rollback').catch(() => {});
        throw err;
      } finally {
        done();
      }
    },
    async tryAdvisoryLock(key) {
      const { conn, lose, done } = await checkout(pool);
      try {
        const [row] = (await conn.query('select pg_try_advisory_lock(hashtext($1)) as ok', [key])).rows;
        if (row?.ok !== true) {
          done();
          return undefined;
        }
      } catch (err) {
        lose(err);
        done();
        throw err;
      }
      return async () => {
        try {
          await conn.query('select pg_advisory_unlock(hashtext($1))', [key]);
        } catch (err) {
          lose(err); // the session is gone, and the lock with it
        } finally {
          done();
        }
      };
    },
    close: () => pool.end(),
  };
}
