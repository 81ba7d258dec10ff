// Raw records as callers hand them over, and as every engine receives them: validated, keyed once,
// payloads as canonical JSON text that every engine can store, hashed. Also the small checks and the
// parameter list the raw modules share.
import type { WarehouseEngine } from '../engine';
import { canonicalJsonReport, normalizeTimestamp, sha256Hex, storableText } from '../jsonValues';
import type { RawStream } from '../rawStreams';

export type RawRecord = {
  /** The natural key, unique per connection within the stream. */
  key: string;
  /** The key of the parent entity (e.g. a repository uuid), for child streams. */
  parentKey?: string;
  /** ISO-8601; microseconds and any offset are kept (digits past microseconds are cut). */
  updatedOn?: string;
  payload: unknown;
};

/** A record ready for any engine: text that every engine can store, hashed. */
export interface StagedRecord {
  record_key: string;
  parent_key: string | null;
  updated_on: string | null;
  payload: string;
  _payload_hash: string;
}

/** One load, checked and staged: what an engine's upsert needs. */
export interface StagedLoad {
  db: WarehouseEngine;
  stream: RawStream;
  connectionId: string;
  runId: string;
  /** '' for none. */
  workspaceUuid: string;
  extractedAt: string;
  records: StagedRecord[];
}

/** What an engine's upsert wrote, over distinct keys. */
export interface UpsertCounts {
  inserted: number;
  updated: number;
}

/** A tombstoning as markDeleted hands it over: checked, keys made storable, `at` an ISO timestamp. */
export interface Tombstoning {
  stream: RawStream;
  connectionId: string;
  /** undefined: every row of the stream for the connection. */
  parentKey: string | undefined;
  keep: string[];
  at: string;
}

/** Collects positional parameters ($1, $2 …) as the SQL is written. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export function requireText(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`${what} must be a non-empty string`);
  return value;
}

export function toIso(value: Date | string | undefined, what: string): string {
  if (value === undefined) return new Date().toISOString();
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new Error(`invalid ${what}: Invalid Date`);
    return value.toISOString();
  }
  return normalizeTimestamp(value, what);
}

/**
 * Validates and prepares records; a key given twice keeps its last record. `altered` lists the
 * records (as given, in order) whose payload held text no engine can store, stored as U+FFFD.
 */
export function stageRecords(records: readonly RawRecord[]): {
  staged: StagedRecord[];
  altered: RawRecord[];
} {
  const byKey = new Map<string, StagedRecord>();
  const altered: RawRecord[] = [];
  for (const record of records) {
    const key = storableText(requireText(record.key, 'record key'));
    const payload = canonicalJsonReport(record.payload);
    if (payload.altered) altered.push(record);
    byKey.delete(key); // re-insert, so the batch keeps the order of last appearance
    byKey.set(key, {
      record_key: key,
      parent_key:
        record.parentKey === undefined || record.parentKey === null ? null : storableText(record.parentKey),
      updated_on:
        record.updatedOn === undefined || record.updatedOn === null
          ? null
          : normalizeTimestamp(record.updatedOn, `updatedOn of record ${JSON.stringify(key)}`),
      payload: payload.json,
      _payload_hash: sha256Hex(payload.json),
    });
  }
  return { staged: [...byKey.values()], altered };
}
