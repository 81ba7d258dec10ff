// What the security tests look for, and where: every secret the sandbox ever issued (plus the
// client secret and our key), searched for in text as it is and inside anything in that text
// that decodes from base64, base64url or hex (a token wrapped in an encoding is still a leak).
import type { Sandbox } from '../../sandbox/index';
import { SCHEMAS, type Schema, type WarehouseEngine } from '../../warehouse/engine';

/** Label → secret value. */
export type Secrets = Map<string, string>;

/** Every access token, refresh token and authorization code the sandbox issued so far, and the client secret. */
export function issuedSecrets(sb: Sandbox): Secrets {
  const issued = sb.grants.issuedSecrets();
  const numbered = (label: string, values: string[]) =>
    values.map((value, i): [string, string] => [`${label} ${i + 1}`, value]);
  return new Map([
    ['client secret', sb.urls.clientSecret],
    ...numbered('access token', issued.accessTokens),
    ...numbered('refresh token', issued.refreshTokens),
    ...numbered('authorization code', issued.codes),
  ]);
}

export function keySecrets(key: Buffer): Secrets {
  return new Map([
    ['secret key (base64)', key.toString('base64')],
    ['secret key (hex)', key.toString('hex')],
  ]);
}

const BASE64_RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;
const HEX_RUN = /(?:[0-9a-fA-F]{2}){16,}/g;

/** The text, followed by what each long base64/base64url/hex run in it decodes to. */
function withDecodedRuns(text: string): string {
  const decoded = [
    ...[...text.matchAll(BASE64_RUN)].map(([run]) => Buffer.from(run, 'base64').toString('latin1')),
    ...[...text.matchAll(HEX_RUN)].map(([run]) => Buffer.from(run, 'hex').toString('latin1')),
  ];
  return [text, ...decoded].join('\n');
}

/** The labels of the secrets found in `text`, in clear or encoded. */
export function leakedIn(text: string, secrets: Secrets): string[] {
  const searchable = withDecodedRuns(text);
  return [...secrets].filter(([, value]) => searchable.includes(value)).map(([label]) => label);
}

/** Every row of every table of the given schemas, as JSON text (Postgres and PGlite). */
export async function warehouseDump(
  db: WarehouseEngine,
  schemas: readonly Schema[] = SCHEMAS,
): Promise<{ tables: string[]; text: string }> {
  const tables = await db.query<{ table_schema: string; table_name: string }>(
    `select table_schema, table_name from information_schema.tables
     where table_schema = any($1::text[]) and table_type = 'BASE TABLE' order by 1, 2`,
    [schemas.map((s) => db.schemaName(s))],
  );
  const dumps: string[] = [];
  for (const { table_schema, table_name } of tables) {
    const schema = schemas.find((s) => db.schemaName(s) === table_schema) as Schema;
    const rows = await db.query(`select * from ${db.table(schema, table_name)}`);
    dumps.push(`${table_schema}.${table_name}\n${JSON.stringify(rows)}`);
  }
  return { tables: tables.map((t) => `${t.table_schema}.${t.table_name}`), text: dumps.join('\n') };
}
