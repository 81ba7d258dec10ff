// The dashboard's only door to the warehouse: reads of the marts schema, with values made the same
// on every engine (pg returns bigint and numeric as text, BigQuery wraps DATE and NUMERIC) and a
// missing mart told apart from any other failure, so a page can say "not built yet" instead of 500.
import type { Row, WarehouseEngine } from '../../warehouse/engine';

/** A mart the page needs does not exist (yet): no transform run has built it. */
export class MissingMartError extends Error {
  override name = 'MissingMartError';
}

// Postgres: undefined_table, invalid_schema_name. BigQuery: "Not found: Table …" / "Dataset …".
const MISSING_CODES = new Set(['42P01', '3F000']);
const BIGQUERY_MISSING = /Not found: (Table|Dataset)/i;

function isMissingRelation(err: unknown): boolean {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  return MISSING_CODES.has(String(code)) || BIGQUERY_MISSING.test(String(message));
}

/** A number from any engine's numeric value; null stays null. */
export function toNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const plain = typeof value === 'object' && 'value' in value ? (value as { value: unknown }).value : value;
  const n = Number(plain);
  return Number.isFinite(n) ? n : null;
}

/** Text from any engine (BigQuery wraps DATE and TIMESTAMP in { value }); null stays null. */
export function toText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object' && 'value' in value) return String((value as { value: unknown }).value);
  return String(value);
}

export class MartReader {
  constructor(private readonly db: WarehouseEngine) {}

  /** The quoted, prefixed name of a mart. */
  mart(name: string): string {
    return this.db.table('marts', name);
  }

  /** A DATE column as `YYYY-MM-DD` text: pg would turn it into a Date at local midnight. */
  day(column: string): string {
    return `cast(${column} as ${this.db.dialect === 'bigquery' ? 'string' : 'text'})`;
  }

  /** Runs a read; a missing mart (or marts schema) becomes MissingMartError. */
  async rows<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    try {
      return await this.db.query<T>(sql, params);
    } catch (err) {
      if (isMissingRelation(err)) throw new MissingMartError('a mart is not built yet', { cause: err });
      throw err;
    }
  }
}
