// Pages gathered and written together (activities/pageBatch.ts): when a batch is full, what one
// flush writes per stream, the checkpoint with it, and the rejects and altered text it parks.
import { beforeAll, describe, expect, it } from 'vitest';
import { BATCH_LIMITS, PageBatch } from '../../activities/pageBatch';
import type { Page } from '../../bitbucket/streams/iterate';
import type { WarehouseEngine } from '../../warehouse/engine';
import { listErrors } from '../../warehouse/ledger';
import { readState } from '../../warehouse/raw/state';
import { selectRaw } from '../../warehouse/rawQueries';
import { describeEachWarehouse, useMigratedWarehouse } from '../support/warehouse';

const SCOPE = { connectionId: 'c1', runId: 'run-1', workspaceUuid: '{ws}' };

const page = (stream: Page['stream'], parent: string, ids: number[], extra: Partial<Page> = {}): Page => ({
  stream,
  records: ids.map((id) => ({ key: `${parent}:${id}`, parentKey: parent, payload: { id, parent } })),
  rejects: [],
  cursor: null,
  ...extra,
});

describe('when a batch is full', () => {
  const batch = () => new PageBatch({} as WarehouseEngine, SCOPE, () => {});

  it('at its record limit', () => {
    const b = batch();
    b.add(
      page(
        'pr_tasks',
        'pr',
        Array.from({ length: BATCH_LIMITS.records - 1 }, (_, i) => i),
      ),
    );
    expect(b.full).toBe(false);
    b.add(page('pr_tasks', 'pr', [BATCH_LIMITS.records]));
    expect(b.full).toBe(true);
  });

  it('at its page limit, however small the pages (a crash re-reads only so many)', () => {
    const b = batch();
    for (let i = 1; i < BATCH_LIMITS.pages; i += 1) b.add(page('pr_tasks', `pr${i}`, []));
    expect(b.full).toBe(false);
    b.add(page('pr_tasks', 'last', []));
    expect(b.full).toBe(true);
  });
});

describeEachWarehouse(
  'a batch of pages written',
  (engine) => {
    const fx = useMigratedWarehouse(engine);
    const written: Array<[number, number]> = [];

    beforeAll(async () => {
      const batch = new PageBatch(fx.db, SCOPE, (w) => written.push([w.records, w.rejects]));
      batch.add(page('pr_tasks', 'pr1', [1, 2]));
      batch.add(page('pr_comments', 'pr1', [1]));
      // The same key again, read later: its later record is the one kept.
      batch.add(
        page('pr_tasks', 'pr2', [1], { records: [{ key: 'pr1:2', parentKey: 'pr1', payload: { v: 2 } }] }),
      );
      batch.add(
        page('pr_tasks', 'pr3', [7], {
          rejects: [{ raw: '"not a task"', reason: 'pr_tasks: no id' }],
          records: [{ key: 'pr3:7', parentKey: 'pr3', payload: { text: 'NUL\u0000' } }],
        }),
      );
      expect(written).toEqual([]);
      await batch.flush({
        stream: 'pullrequests',
        scopeKey: 'children:{repo}',
        cursor: { parentsDone: 3 },
      });
    }, 120_000);

    it('writes each stream’s records, the later of a repeated key kept', async () => {
      const rows = async (stream: string) =>
        (await selectRaw(fx.db, { stream, connectionId: 'c1', columns: { v: ['v'] } }))
          .map((r) => [r.record_key, r.v ?? null])
          .sort();
      expect(await rows('pr_tasks')).toEqual([
        ['pr1:1', null],
        ['pr1:2', '2'],
        ['pr3:7', null],
      ]);
      expect(await rows('pr_comments')).toEqual([['pr1:1', null]]);
    });

    it('writes the checkpoint, even for a stream with no records waiting', async () => {
      const state = await readState(fx.db, 'c1', 'pullrequests', 'children:{repo}');
      expect(state.cursor).toEqual({ parentsDone: 3 });
    });

    it('parks rejects and altered text, and reports what it wrote per stream', async () => {
      const errors = await listErrors(fx.db, { connectionId: 'c1', limit: 10 });
      expect(errors.map((e) => [e.kind, e.stream, e.recordKey ?? null]).sort()).toEqual([
        ['ALTERED_TEXT', 'pr_tasks', 'pr3:7'],
        ['BAD_PAYLOAD', 'pr_tasks', null],
      ]);
      expect(written.sort()).toEqual([
        [1, 0],
        [4, 1],
      ]);
    });
  },
  ['pglite', 'postgres'],
);
