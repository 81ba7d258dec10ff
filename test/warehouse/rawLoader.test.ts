import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { STREAMS } from '../../bitbucket/streams/catalog';
import { canonicalJson, normalizeTimestamp, sha256Hex } from '../../warehouse/jsonValues';
import { finishRun, listErrors, listRuns, recordError, startRun } from '../../warehouse/ledger';
import { loadRecords } from '../../warehouse/raw/load';
import { existingKeys, markDeleted } from '../../warehouse/raw/reconcile';
import type { RawRecord } from '../../warehouse/raw/records';
import { readState, writeState } from '../../warehouse/raw/state';
import {
  depthsInParent,
  latestExtraction,
  parentsOf,
  selectRaw,
  unreferenced,
} from '../../warehouse/rawQueries';
import { RAW_STREAMS } from '../../warehouse/rawStreams';
import { describeEachWarehouse, useMigratedWarehouse } from '../support/warehouse';

describe('raw streams and values (no engine)', () => {
  it('the raw tables are exactly the catalog streams', () => {
    expect([...RAW_STREAMS].sort()).toEqual(Object.keys(STREAMS).sort());
  });

  it('canonical JSON orders keys at every depth and hashes the same regardless of key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null }, u: undefined })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
    expect(sha256Hex(canonicalJson({ x: 1, y: 2 }))).toBe(sha256Hex(canonicalJson({ y: 2, x: 1 })));
    expect(canonicalJson([undefined, Number.NaN, 'a\u0000b', '\ud800'])).toBe(
      '[null,null,"a\uFFFDb","\uFFFD"]',
    );
  });

  it('normalizes timestamps to microseconds with an explicit offset, and refuses nonsense', () => {
    expect(normalizeTimestamp('2024-05-01T10:00:00.1234567+0530')).toBe('2024-05-01T10:00:00.123456+05:30');
    expect(normalizeTimestamp('2024-05-01 10:00')).toBe('2024-05-01T10:00:00Z');
    expect(normalizeTimestamp('2024-05-01T10:00:00.5-03')).toBe('2024-05-01T10:00:00.5-03:00');
    for (const bad of [
      'yesterday',
      '2024-13-01T00:00:00Z',
      '2024-02-30T00:00:00Z',
      '2024-05-01T25:00:00Z',
      '',
    ])
      expect(() => normalizeTimestamp(bad)).toThrow(/invalid timestamp/);
  });
});

const ODD_PAYLOAD = {
  emoji: 'ship it 🚀👩🏽‍💻',
  combining: 'é vs é',
  rtl: 'שלום مرحبا',
  separators: 'line\u2028para\u2029end',
  quotes: `'single' "double" \`back\` \\ backslash`,
  csv: 'a,b\n"c"\r\n\\.\n\\N\t',
  control: '\u0001\u001f\u007f',
  nested: {
    empty: {},
    list: [],
    nulls: [null, { n: null }],
    deep: { a: { b: { c: { d: [1, [2, [3]]] } } } },
  },
  numbers: [0, 1, -1, 0.1, 0.30000000000000004, 1e21, -1.5e-7, Number.MAX_SAFE_INTEGER, 123456789.125],
  booleans: [true, false],
  'key.with.dots': 1,
  'key with "quotes"': 2,
  $dollar: 3,
  '': 'empty key',
  ключ: 'cyrillic key',
  huge: 'x'.repeat(1_000_000),
};

describeEachWarehouse('raw loader and run ledger', (engineUnderTest) => {
  const fx = useMigratedWarehouse(engineUnderTest);

  const newConnection = () => `conn-${randomUUID()}`;
  const ts = (column: string) =>
    fx.db.dialect === 'bigquery'
      ? `format_timestamp('%Y-%m-%dT%H:%M:%E6SZ', ${column}, 'UTC')`
      : `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

  interface RawRow {
    key: string;
    parent_key: string | null;
    workspace_uuid: string | null;
    updated_on: string | null;
    payload: unknown;
    extracted_at: string;
    run_id: string;
    hash: string;
    deleted_at: string | null;
  }
  async function rawRows(stream: string, connectionId: string): Promise<RawRow[]> {
    const rows = await fx.db.query<RawRow & Record<string, unknown>>(
      `select record_key as key, parent_key, workspace_uuid, ${ts('updated_on')} as updated_on, payload,
         ${ts('_extracted_at')} as extracted_at, _run_id as run_id, _payload_hash as hash,
         ${ts('_deleted_at')} as deleted_at
       from ${fx.db.table('raw_bitbucket', stream as 'commits')} where connection_id = $1`,
      [connectionId],
    );
    return rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
  const three: RawRecord[] = [
    {
      key: 'r1',
      parentKey: 'p1',
      updatedOn: '2024-05-01T10:00:00.123456+02:00',
      payload: { id: 1, title: 'one' },
    },
    { key: 'r2', parentKey: 'p1', updatedOn: '2024-05-02T10:00:00Z', payload: { id: 2, title: 'two' } },
    { key: 'r3', parentKey: 'p2', payload: { id: 3, title: 'three', tags: ['a'] } },
  ];
  const base = (connectionId: string, runId: string, records: RawRecord[]) => ({
    stream: 'pullrequests',
    connectionId,
    workspaceUuid: '{ws-1}',
    runId,
    records,
  });

  it('creates one raw table per stream', async () => {
    for (const stream of RAW_STREAMS) {
      const [row] = await fx.db.query(`select count(*) as n from ${fx.db.table('raw_bitbucket', stream)}`);
      expect(Number(row?.n)).toBe(0);
    }
  });

  it('answers the economy questions: changed since, parents holding rows, depths', async () => {
    const c = newConnection();
    await loadRecords(fx.db, { ...base(c, 'run-1', three), extractedAt: '2024-06-01T00:00:00Z' });
    const changed = { ...three[1], payload: { id: 2, title: 'two, edited' } } as RawRecord;
    await loadRecords(fx.db, { ...base(c, 'run-2', [changed]), extractedAt: '2024-06-02T00:00:00Z' });
    const sel = { stream: 'pullrequests', connectionId: c };
    // Written after a time: only the changed record; the newest write is its.
    const after = await selectRaw(fx.db, { ...sel, extractedAfter: '2024-06-01T12:00:00Z' });
    expect(after.map((r) => r.record_key)).toEqual(['r2']);
    expect(await latestExtraction(fx.db, sel)).toBe('2024-06-02T00:00:00.000000Z');
    expect(await latestExtraction(fx.db, { ...sel, parentKey: 'nobody' })).toBeUndefined();
    // Parents holding rows (with something at a path), among those asked.
    expect(await parentsOf(fx.db, { ...sel, parentKeys: ['p1', 'p2', 'p3'] })).toEqual(new Set(['p1', 'p2']));
    expect(await parentsOf(fx.db, { ...sel, parentKeys: ['p1', 'p2'], has: ['tags'] })).toEqual(
      new Set(['p2']),
    );
    expect(await parentsOf(fx.db, { ...sel, parentKeys: [] })).toEqual(new Set());
    // Depth in the parent's newest-first list (by the payload's title, descending here).
    const depths = await depthsInParent(fx.db, { ...sel, parentKey: 'p1' }, ['title']);
    expect(depths.map((d) => [d.record_key, d.depth])).toEqual([
      ['r2', 0],
      ['r1', 1],
    ]);
  });

  it('finds the rows no row names: the tips of stored commits, newest first', async () => {
    const c = newConnection();
    const commit = (hash: string, day: number, parents: unknown): RawRecord => ({
      key: `repo:${hash}`,
      parentKey: 'repo',
      updatedOn: `2024-05-${String(day).padStart(2, '0')}T10:00:00Z`,
      payload: { hash, parents },
    });
    // a ← b ← d (main), a ← c (a branch), e: a root of its own; f's parents do not parse as a list.
    const commits = [
      commit('a', 1, []),
      commit('b', 2, [{ hash: 'a', type: 'commit' }]),
      commit('c', 3, [{ hash: 'a' }]),
      commit('d', 4, [{ hash: 'b' }, { hash: 'zz-not-stored' }]),
      commit('e', 5, null),
      commit('f', 6, 'a'),
    ];
    await loadRecords(fx.db, { ...base(c, 'run-1', commits), stream: 'commits' });
    const sel = { stream: 'commits', connectionId: c, parentKey: 'repo' };
    const ref = { id: ['hash'], array: ['parents'], key: 'hash' };
    expect(await unreferenced(fx.db, sel, ref, 10)).toEqual(['f', 'e', 'd', 'c']);
    expect(await unreferenced(fx.db, sel, ref, 2)).toEqual(['f', 'e']);
    expect(await unreferenced(fx.db, { ...sel, parentKey: 'other' }, ref, 10)).toEqual([]);
  });

  it('inserts a page, and the same page again changes nothing (not even _extracted_at or _run_id)', async () => {
    const c = newConnection();
    const first = await loadRecords(fx.db, {
      ...base(c, 'run-1', three),
      extractedAt: '2024-06-01T00:00:00Z',
    });
    expect(first).toEqual({ inserted: 3, updated: 0, unchanged: 0, altered: [] });
    const before = await rawRows('pullrequests', c);
    expect(before.map((r) => [r.key, r.parent_key, r.workspace_uuid, r.updated_on, r.run_id])).toEqual([
      ['r1', 'p1', '{ws-1}', '2024-05-01T08:00:00.123456Z', 'run-1'],
      ['r2', 'p1', '{ws-1}', '2024-05-02T10:00:00.000000Z', 'run-1'],
      ['r3', 'p2', '{ws-1}', null, 'run-1'],
    ]);
    expect(before[0]?.extracted_at).toBe('2024-06-01T00:00:00.000000Z');
    expect(before[0]?.payload).toEqual({ id: 1, title: 'one' });
    expect(before[0]?.hash).toBe(sha256Hex(canonicalJson({ title: 'one', id: 1 })));

    // A retried page (key order of the payload differs: same canonical JSON, same hash).
    const reordered = three.map((r) => ({
      ...r,
      payload: Object.fromEntries(Object.entries(r.payload as object).reverse()),
    }));
    const again = await loadRecords(fx.db, {
      ...base(c, 'run-2', reordered),
      extractedAt: '2024-06-02T00:00:00Z',
    });
    expect(again).toEqual({ inserted: 0, updated: 0, unchanged: 3, altered: [] });
    expect(await rawRows('pullrequests', c)).toEqual(before);
  });

  it('rewrites only the changed record', async () => {
    const c = newConnection();
    await loadRecords(fx.db, { ...base(c, 'run-1', three), extractedAt: '2024-06-01T00:00:00Z' });
    const changed = three.map((r) =>
      r.key === 'r2' ? { ...r, payload: { id: 2, title: 'two, edited' } } : r,
    );
    const result = await loadRecords(fx.db, {
      ...base(c, 'run-2', changed),
      extractedAt: '2024-06-02T00:00:00Z',
    });
    expect(result).toEqual({ inserted: 0, updated: 1, unchanged: 2, altered: [] });
    const rows = await rawRows('pullrequests', c);
    expect(rows.map((r) => [r.key, r.run_id, r.extracted_at])).toEqual([
      ['r1', 'run-1', '2024-06-01T00:00:00.000000Z'],
      ['r2', 'run-2', '2024-06-02T00:00:00.000000Z'],
      ['r3', 'run-1', '2024-06-01T00:00:00.000000Z'],
    ]);
    expect(rows[1]?.payload).toEqual({ id: 2, title: 'two, edited' });

    // Without counts (as the pipeline loads): the same write, a result that says only what was altered.
    const uncounted = await loadRecords(fx.db, {
      ...base(
        c,
        'run-3',
        changed.map((r) => (r.key === 'r3' ? { ...r, payload: { id: 3, title: 'x' } } : r)),
      ),
      extractedAt: '2024-06-03T00:00:00Z',
      counts: false,
    });
    expect(uncounted).toEqual({ altered: [] });
    expect((await rawRows('pullrequests', c)).map((r) => [r.key, r.run_id])).toEqual([
      ['r1', 'run-1'],
      ['r2', 'run-2'],
      ['r3', 'run-3'],
    ]);
  });

  it('keeps the last record of a key given twice in one batch', async () => {
    const c = newConnection();
    const result = await loadRecords(
      fx.db,
      base(c, 'run-1', [
        { key: 'd1', payload: { v: 'first' } },
        { key: 'd2', payload: { v: 'other' } },
        { key: 'd1', payload: { v: 'last' } },
      ]),
    );
    expect(result).toEqual({ inserted: 2, updated: 0, unchanged: 0, altered: [] });
    const rows = await rawRows('pullrequests', c);
    expect(rows.map((r) => [r.key, r.payload])).toEqual([
      ['d1', { v: 'last' }],
      ['d2', { v: 'other' }],
    ]);
  });

  it('tombstones what a keep-list no longer lists (within the parent), and a reload clears it', async () => {
    const c = newConnection();
    await loadRecords(fx.db, base(c, 'run-1', three));
    const n = await markDeleted(fx.db, {
      stream: 'pullrequests',
      connectionId: c,
      parentKey: 'p1',
      keep: ['r1'],
      runId: 'run-2',
      at: '2024-07-01T00:00:00Z',
    });
    expect(n).toBe(1);
    let rows = await rawRows('pullrequests', c);
    expect(rows.map((r) => [r.key, r.deleted_at])).toEqual([
      ['r1', null],
      ['r2', '2024-07-01T00:00:00.000000Z'],
      ['r3', null], // another parent: untouched
    ]);
    // Already tombstoned rows are not tombstoned again.
    expect(
      await markDeleted(fx.db, {
        stream: 'pullrequests',
        connectionId: c,
        parentKey: 'p1',
        keep: ['r1'],
        runId: 'run-3',
      }),
    ).toBe(0);
    expect(await existingKeys(fx.db, 'pullrequests', c, ['r1', 'r2', 'r3', 'nope'])).toEqual(
      new Set(['r1', 'r3']),
    );

    const back = await loadRecords(fx.db, {
      ...base(c, 'run-4', three),
      extractedAt: '2024-07-02T00:00:00Z',
    });
    expect(back).toEqual({ inserted: 0, updated: 1, unchanged: 2, altered: [] });
    rows = await rawRows('pullrequests', c);
    expect(rows.map((r) => [r.key, r.deleted_at, r.run_id])).toEqual([
      ['r1', null, 'run-1'],
      ['r2', null, 'run-4'],
      ['r3', null, 'run-1'],
    ]);

    // No parent: the whole stream of the connection; an empty keep-list tombstones everything live.
    expect(
      await markDeleted(fx.db, { stream: 'pullrequests', connectionId: c, keep: ['r3'], runId: 'run-5' }),
    ).toBe(2);
    expect(
      await markDeleted(fx.db, { stream: 'pullrequests', connectionId: c, keep: [], runId: 'run-6' }),
    ).toBe(1);
    expect((await rawRows('pullrequests', c)).every((r) => r.deleted_at !== null)).toBe(true);
  });

  it('loads a batch larger than one chunk, and reconciles against a large keep-list', async () => {
    const c = newConnection();
    const many: RawRecord[] = Array.from({ length: 12_000 }, (_, i) => ({
      key: `k${String(i).padStart(5, '0')}`,
      parentKey: 'repo',
      payload: { i, text: `record "${i}", line\nbreak` },
    }));
    expect(await loadRecords(fx.db, { ...base(c, 'run-1', many), stream: 'commits' })).toEqual({
      inserted: 12_000,
      updated: 0,
      unchanged: 0,
      altered: [],
    });
    const keep = many.slice(0, 11_990).map((r) => r.key);
    expect(
      await markDeleted(fx.db, {
        stream: 'commits',
        connectionId: c,
        parentKey: 'repo',
        keep,
        runId: 'run-2',
      }),
    ).toBe(10);
    const [row] = await fx.db.query(
      `select count(*) as n from ${fx.db.table('raw_bitbucket', 'commits')} where connection_id = $1 and _deleted_at is null`,
      [c],
    );
    expect(Number(row?.n)).toBe(11_990);
    const seen = await existingKeys(
      fx.db,
      'commits',
      c,
      many.slice(11_980).map((r) => r.key),
    );
    expect(seen.size).toBe(10);
    if (fx.db.dialect === 'bigquery') {
      // The staging tables of the load jobs (records, and the keep-list above 10k keys) are gone.
      const tables = await fx.db.query<{ table_name: string }>(
        `select table_name from ${fx.db.schemaRef('raw_bitbucket')}.INFORMATION_SCHEMA.TABLES`,
      );
      expect(tables.map((r) => r.table_name).sort()).toEqual([...RAW_STREAMS].sort());
    }
  });

  it('writes the stream state with the page, and reads it back', async () => {
    const c = newConnection();
    expect(await readState(fx.db, c, 'pullrequests', '{repo-1}')).toEqual({});
    const result = await loadRecords(fx.db, {
      ...base(c, 'run-1', three),
      state: {
        scopeKey: '{repo-1}',
        watermark: '2024-05-02T12:00:00.654321+02:00',
        cursor: { page: 3, next: 'https://x/y?page=4' },
      },
    });
    expect(result.inserted).toBe(3);
    expect(await readState(fx.db, c, 'pullrequests', '{repo-1}')).toEqual({
      watermark: '2024-05-02T10:00:00.654321Z',
      cursor: { page: 3, next: 'https://x/y?page=4' },
    });
    // Another scope is its own row.
    expect(await readState(fx.db, c, 'pullrequests', '')).toEqual({});

    // An empty page can still move the state; cursor undefined keeps it, null clears it.
    await loadRecords(fx.db, {
      ...base(c, 'run-2', []),
      state: { scopeKey: '{repo-1}', watermark: '2024-05-03T00:00:00Z' },
    });
    expect(await readState(fx.db, c, 'pullrequests', '{repo-1}')).toEqual({
      watermark: '2024-05-03T00:00:00.000000Z',
      cursor: { page: 3, next: 'https://x/y?page=4' },
    });
    await writeState(fx.db, { connectionId: c, stream: 'pullrequests', scopeKey: '{repo-1}', cursor: null });
    expect(await readState(fx.db, c, 'pullrequests', '{repo-1}')).toEqual({
      watermark: '2024-05-03T00:00:00.000000Z',
    });
    await writeState(fx.db, { connectionId: c, stream: 'pullrequests', scopeKey: '', cursor: ['a', 1] });
    expect(await readState(fx.db, c, 'pullrequests', '')).toEqual({ cursor: ['a', 1] });
  });

  it('a failing state write leaves neither records nor state (BigQuery: the state never runs ahead)', async () => {
    const c = newConnection();
    await loadRecords(fx.db, {
      ...base(c, 'run-1', three.slice(0, 1)),
      state: { scopeKey: 'boom', watermark: '2024-01-01T00:00:00Z' },
    });
    const state = fx.db.table('etl_meta', 'stream_state');
    // Make the state write (which runs after the records) fail inside the database.
    const [sabotage, restore] =
      fx.db.dialect === 'bigquery'
        ? [
            `alter table ${state} rename to stream_state_off`,
            `alter table ${fx.db.table('etl_meta', 'stream_state_off')} rename to stream_state`,
          ]
        : [
            `alter table ${state} add constraint test_no_boom check (scope_key <> 'boom' or watermark < '2024-06-01')`,
            `alter table ${state} drop constraint test_no_boom`,
          ];
    const changed = three.map((r) => ({ ...r, payload: { changed: r.key } }));
    const page = {
      ...base(c, 'run-2', changed),
      state: { scopeKey: 'boom', watermark: '2024-07-01T00:00:00Z' },
    };
    await fx.db.query(sabotage as string);
    try {
      await expect(loadRecords(fx.db, page)).rejects.toThrow();
    } finally {
      await fx.db.query(restore as string);
    }
    expect(await readState(fx.db, c, 'pullrequests', 'boom')).toEqual({
      watermark: '2024-01-01T00:00:00.000000Z',
    });
    const rows = await rawRows('pullrequests', c);
    if (fx.db.dialect === 'bigquery') {
      // No transaction across the two MERGEs: the records are in, the state did not move, and
      // the retry of the page (what the caller does) is idempotent and then moves the state.
      expect(rows.map((r) => [r.key, r.run_id])).toEqual([
        ['r1', 'run-2'],
        ['r2', 'run-2'],
        ['r3', 'run-2'],
      ]);
      expect(await loadRecords(fx.db, page)).toEqual({ inserted: 0, updated: 0, unchanged: 3, altered: [] });
      expect(await readState(fx.db, c, 'pullrequests', 'boom')).toEqual({
        watermark: '2024-07-01T00:00:00.000000Z',
      });
    } else {
      expect(rows.map((r) => [r.key, r.run_id, r.payload])).toEqual([
        ['r1', 'run-1', { id: 1, title: 'one' }],
      ]);
    }
  });

  it('round-trips unicode, huge strings, nulls and odd JSON exactly (keys too)', async () => {
    const c = newConnection();
    const odd: RawRecord[] = [
      { key: 'odd', payload: ODD_PAYLOAD },
      { key: 'top-null', payload: null },
      { key: 'top-string', payload: 'just a string' },
      { key: 'top-number', payload: 42.5 },
      { key: 'top-array', payload: [null, 'x', { y: [] }] },
      { key: 'key, with "quotes"\nand\n\\.\nlines', parentKey: 'parent ✓ "q"', payload: { ok: true } },
      { key: 'nul', payload: { s: 'a\u0000b', lone: '\ud83d' } },
    ];
    expect(await loadRecords(fx.db, base(c, 'run-1', odd))).toEqual({
      inserted: 7,
      updated: 0,
      unchanged: 0,
      altered: [odd[6]],
    });
    const rows = new Map((await rawRows('pullrequests', c)).map((r) => [r.key, r]));
    expect(rows.get('odd')?.payload).toEqual(ODD_PAYLOAD);
    expect(rows.get('top-null')?.payload).toBeNull();
    expect(rows.get('top-string')?.payload).toBe('just a string');
    expect(rows.get('top-number')?.payload).toBe(42.5);
    expect(rows.get('top-array')?.payload).toEqual([null, 'x', { y: [] }]);
    expect(rows.get('key, with "quotes"\nand\n\\.\nlines')?.parent_key).toBe('parent ✓ "q"');
    // NUL and lone surrogates cannot be stored by Postgres (or encoded in UTF-8): U+FFFD everywhere.
    expect(rows.get('nul')?.payload).toEqual({ s: 'a\uFFFDb', lone: '\uFFFD' });
    // The same records again: nothing changed, on every engine (the hash is of what is stored).
    expect(await loadRecords(fx.db, base(c, 'run-2', odd))).toEqual({
      inserted: 0,
      updated: 0,
      unchanged: 7,
      altered: [odd[6]],
    });
  });

  it('refuses a stream name that is not a raw stream, before any SQL', async () => {
    const c = newConnection();
    for (const hostile of ['x"; drop table y; --', 'Commits', '__proto__', 'commits`', '', 'etl_meta.runs']) {
      const refused = new RegExp(
        `unknown raw stream ${JSON.stringify(hostile).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
      );
      await expect(loadRecords(fx.db, { ...base(c, 'run-1', three), stream: hostile })).rejects.toThrow(
        refused,
      );
      await expect(
        markDeleted(fx.db, { stream: hostile, connectionId: c, keep: [], runId: 'r' }),
      ).rejects.toThrow(refused);
      await expect(readState(fx.db, c, hostile, '')).rejects.toThrow(refused);
      await expect(existingKeys(fx.db, hostile, c, ['a'])).rejects.toThrow(refused);
      await expect(writeState(fx.db, { connectionId: c, stream: hostile, scopeKey: '' })).rejects.toThrow(
        refused,
      );
    }
    await expect(
      loadRecords(fx.db, base(c, 'run-1', [{ key: 'bad', updatedOn: 'last tuesday', payload: {} }])),
    ).rejects.toThrow(/invalid updatedOn of record "bad"/);
  });

  it('keeps a ledger of runs and their errors', async () => {
    const c = newConnection();
    await startRun(fx.db, {
      runId: `${c}-a`,
      connectionId: c,
      kind: 'backfill',
      workflowId: 'wf-1',
      workspace: 'acme',
      windowSince: '2024-01-01T00:00:00Z',
      windowUntil: '2024-02-01T00:00:00Z',
      startedAt: '2024-02-01T00:00:00Z',
    });
    // A retried start changes nothing.
    await startRun(fx.db, {
      runId: `${c}-a`,
      connectionId: c,
      kind: 'other',
      startedAt: '2030-01-01T00:00:00Z',
    });
    await startRun(fx.db, {
      runId: `${c}-b`,
      connectionId: c,
      kind: 'incremental',
      startedAt: '2024-02-02T00:00:00Z',
    });
    await startRun(fx.db, { runId: `${c}-other`, connectionId: `${c}-x`, kind: 'incremental' });

    let runs = await listRuns(fx.db, { connectionId: c, limit: 10 });
    expect(runs.map((r) => [r.runId, r.kind, r.status])).toEqual([
      [`${c}-b`, 'incremental', 'running'],
      [`${c}-a`, 'backfill', 'running'],
    ]);
    expect(runs[1]).toMatchObject({
      workflowId: 'wf-1',
      workspace: 'acme',
      windowSince: new Date('2024-01-01T00:00:00Z'),
      windowUntil: new Date('2024-02-01T00:00:00Z'),
      startedAt: new Date('2024-02-01T00:00:00Z'),
      finishedAt: null,
      records: 0,
      detail: null,
    });

    await finishRun(fx.db, {
      runId: `${c}-a`,
      status: 'completed',
      records: 1234,
      requests: 56,
      rateLimited: 2,
      errors: 1,
      detail: { streams: { commits: 1000 }, note: 'ok' },
      finishedAt: '2024-02-01T01:00:00Z',
    });
    await finishRun(fx.db, { runId: `${c}-b`, status: 'failed', detail: { error: 'boom' } });
    runs = await listRuns(fx.db, { connectionId: c, limit: 10 });
    expect(runs[1]).toMatchObject({
      status: 'completed',
      records: 1234,
      requests: 56,
      rateLimited: 2,
      errors: 1,
      detail: { streams: { commits: 1000 }, note: 'ok' },
      finishedAt: new Date('2024-02-01T01:00:00Z'),
    });
    expect(runs[0]?.status).toBe('failed');
    expect(runs[0]?.finishedAt).toBeInstanceOf(Date);
    expect(await listRuns(fx.db, { connectionId: c, limit: 1 })).toHaveLength(1);
    expect((await listRuns(fx.db, { limit: 100 })).map((r) => r.runId)).toEqual(
      expect.arrayContaining([`${c}-a`, `${c}-b`, `${c}-other`]),
    );
    await expect(finishRun(fx.db, { runId: `${c}-never`, status: 'completed' })).rejects.toThrow(/no run/);
    await expect(finishRun(fx.db, { runId: `${c}-a`, status: 'running' as 'completed' })).rejects.toThrow(
      /status/,
    );

    await recordError(fx.db, {
      connectionId: c,
      runId: `${c}-a`,
      stream: 'commits',
      recordKey: 'k1',
      kind: 'malformed',
      message: 'no hash',
      raw: '{"x":1}',
      occurredAt: '2024-02-01T00:10:00Z',
    });
    await recordError(fx.db, {
      connectionId: c,
      runId: `${c}-a`,
      stream: 'pipelines',
      kind: 'http',
      message: '500 from the API',
      occurredAt: '2024-02-01T00:20:00Z',
    });
    const errors = await listErrors(fx.db, { runId: `${c}-a`, limit: 10 });
    expect(errors).toEqual([
      {
        connectionId: c,
        runId: `${c}-a`,
        stream: 'commits',
        recordKey: 'k1',
        kind: 'malformed',
        message: 'no hash',
        raw: '{"x":1}',
        occurredAt: new Date('2024-02-01T00:10:00Z'),
      },
      {
        connectionId: c,
        runId: `${c}-a`,
        stream: 'pipelines',
        recordKey: null,
        kind: 'http',
        message: '500 from the API',
        raw: null,
        occurredAt: new Date('2024-02-01T00:20:00Z'),
      },
    ]);
    expect(await listErrors(fx.db, { connectionId: `${c}-x`, limit: 10 })).toEqual([]);
  });
});
