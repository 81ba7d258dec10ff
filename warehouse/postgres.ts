import pg from 'pg';
import type { Row, WarehouseEngine } from './engine';

export async function openPostgres(url: string): Promise<WarehouseEngine> {
  const pool = new pg.Pool({ connectionString: url, max: 4, application_name: 'bbetl' });
  // Fail at open, with the server's own reason, rather than at the first query.
  const client = await pool.connect();
  client.release();
  return {
    name: 'postgres',
    async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []) {
      const result = await pool.query<T>(sql, params as unknown[]);
      return result.rows;
    },
    close: () => pool.end(),
  };
}
