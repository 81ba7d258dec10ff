import { type Dialect, quoteBqIdent, quotePgIdent } from '../warehouse/engine';

/** A column name as an identifier of the dialect (column names in configs and ymls are plain identifiers). */
export function quoteColumn(dialect: Dialect, name: string): string {
  return dialect === 'bigquery' ? quoteBqIdent(name) : quotePgIdent(name);
}
