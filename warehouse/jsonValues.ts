// Values on their way into and out of the warehouse, treated the same on every engine:
// canonical JSON (stable key order, for payload hashes), text Postgres can store, timestamps
// normalized to a form Postgres and BigQuery both parse to the same instant.
import { createHash } from 'node:crypto';

// Postgres cannot store U+0000 in text or jsonb, and UTF-8 has no encoding for a lone surrogate;
// both become U+FFFD on every engine, so what is stored (and hashed) is the same everywhere.
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this must find
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Replaces the characters no engine can store (NUL, lone surrogates) with U+FFFD. */
export function storableText(text: string): string {
  return storable(text, { altered: false });
}

/**
 * JSON text with object keys in a stable order (UTF-16 code unit order) at every depth, and
 * unstorable characters replaced. Otherwise as JSON.stringify: undefined members are dropped,
 * non-finite numbers become null, toJSON() is honoured.
 */
export function canonicalJson(value: unknown): string {
  return canonicalJsonReport(value).json;
}

/** canonicalJson, and whether it had to replace unstorable characters (in strings or keys). */
export function canonicalJsonReport(value: unknown): { json: string; altered: boolean } {
  const seen = { altered: false };
  return { json: write(value, seen) ?? 'null', altered: seen.altered };
}

/** storableText that notes in `seen` when it replaced something. */
function storable(text: string, seen: { altered: boolean }): string {
  return text.replace(UNSTORABLE, () => {
    seen.altered = true;
    return '\uFFFD';
  });
}

function write(value: unknown, seen: { altered: boolean }): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(storable(value, seen));
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  const obj = value as { toJSON?: () => unknown };
  if (typeof obj.toJSON === 'function') return write(obj.toJSON(), seen);
  if (Array.isArray(value)) return `[${value.map((item) => write(item, seen) ?? 'null').join(',')}]`;
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const item = write(record[key], seen);
    if (item !== undefined) parts.push(`${JSON.stringify(storable(key, seen))}:${item}`);
  }
  return `{${parts.join(',')}}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

const TIMESTAMP =
  /^(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2})(?::(\d{2}))?(?:\.(\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * An ISO-8601 timestamp, normalized for both engines: at most microseconds (extra digits are
 * cut, never rounded up), an explicit offset (none given means UTC). Throws on anything else.
 */
export function normalizeTimestamp(value: string, what = 'timestamp'): string {
  const m = TIMESTAMP.exec(value.trim());
  const fail = () => new Error(`invalid ${what}: ${JSON.stringify(value)} (expected an ISO-8601 timestamp)`);
  if (!m) throw fail();
  const [, date, hm = '00:00', sec = '00', frac, zone] = m;
  let offset = 'Z';
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    offset = `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || '00'}`;
  }
  const micros = frac ? `.${frac.slice(0, 6)}` : '';
  const iso = `${date}T${hm}:${sec}${micros}${offset}`;
  // Date.parse catches month 13, hour 25 and the like (it ignores the digits past milliseconds).
  const [y, mo, d] = (date as string).split('-').map(Number);
  const check = new Date(Date.UTC(y as number, (mo as number) - 1, d as number));
  if (
    Number.isNaN(Date.parse(`${date}T${hm}:${sec}${offset}`)) ||
    check.getUTCMonth() !== (mo as number) - 1 ||
    check.getUTCDate() !== d ||
    Number(sec) > 59 ||
    Math.abs(Number(offset.slice(1, 3))) > 18
  )
    throw fail();
  return iso;
}

/** Timestamps come back as Date (pg, PGlite), { value: string } (BigQuery) or text. */
export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  return new Date(typeof value === 'object' && 'value' in value ? String(value.value) : String(value));
}
