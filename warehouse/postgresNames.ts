import { quotePgIdent, type Schema } from './engine';

/** Schema naming shared by Postgres and PGlite: an optional prefix isolates tenants and tests. */
export function postgresNames(prefix = '') {
  const schemaName = (schema: Schema) => `${prefix}${schema}`;
  return {
    schemaName,
    schemaRef: (schema: Schema) => quotePgIdent(schemaName(schema)),
    table: (schema: Schema, name: string) => `${quotePgIdent(schemaName(schema))}.${quotePgIdent(name)}`,
  };
}
