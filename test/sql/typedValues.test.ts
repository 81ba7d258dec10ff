// The typed-value macros (sql/macros/json.sql) on each engine: a value that does not read as its
// type becomes null in staging instead of failing the model (and every model after it), the
// engines agree on what parses, and the raw record keeps what was sent.
import { beforeAll, expect, it } from 'vitest';
import { loadProject } from '../../transforms/project';
import { runModels } from '../../transforms/run';
import { loadRecords } from '../../warehouse/raw/load';
import { plain, REPO, SQL_DIR, t, WS } from '../support/rawFixtures';
import { describeEachWarehouse, useMigratedWarehouse } from '../support/warehouse';

type Case = { id: unknown; created_on: unknown; comment_count: unknown; draft: unknown };
const CASES: Record<string, { sent: Case; staged: Record<string, unknown> }> = {
  'as Bitbucket sends them': {
    sent: { id: 1, created_on: '2024-06-01T09:00:00.123456+00:00', comment_count: 3, draft: false },
    staged: { pr_id: 1, created_on: t('2024-06-01T09:00:00.123456Z'), comment_count: 3, draft: false },
  },
  'words where numbers, dates and flags belong': {
    sent: { id: 2, created_on: 'yesterday', comment_count: 'many', draft: 'yes' },
    staged: { pr_id: 2, created_on: null, comment_count: null, draft: null },
  },
  'a date that does not exist, a fraction, an object': {
    sent: { id: 3, created_on: '2024-02-30T09:00:00Z', comment_count: 1.5, draft: { value: true } },
    staged: { pr_id: 3, created_on: null, comment_count: null, draft: null },
  },
  'out of range, an hour past 23, text flags': {
    sent: { id: 4, created_on: '2024-06-01T24:00:00Z', comment_count: 2 ** 40, draft: 'true' },
    staged: { pr_id: 4, created_on: null, comment_count: null, draft: true },
  },
  'a leap day, a Z offset, a count given as text': {
    sent: { id: 5, created_on: '2024-02-29T23:59:59Z', comment_count: '7', draft: true },
    staged: { pr_id: 5, created_on: t('2024-02-29T23:59:59Z'), comment_count: 7, draft: true },
  },
};

describeEachWarehouse('typed values read from the raw payload', (engine) => {
  const fx = useMigratedWarehouse(engine, { setup: 300_000 });

  beforeAll(async () => {
    await loadRecords(fx.db, {
      stream: 'pullrequests',
      connectionId: 'c1',
      workspaceUuid: WS,
      runId: 'run-1',
      records: Object.values(CASES).map(({ sent }) => ({
        key: `${REPO}:${sent.id}`,
        parentKey: REPO,
        payload: { title: 'typed', state: 'OPEN', ...sent },
      })),
    });
    const results = await runModels(fx.db, loadProject(SQL_DIR), { select: ['stg_pullrequests'] });
    expect(results.map((r) => [r.name, r.status])).toEqual([['stg_pullrequests', 'success']]);
  }, 300_000);

  it.each(Object.entries(CASES))('%s', async (_, { sent, staged }) => {
    const rows = await fx.db.query(
      `select pr_id, created_on, comment_count, draft from ${fx.db.table('staging', 'stg_pullrequests')}
       where record_key = $1`,
      [`${REPO}:${sent.id}`],
    );
    expect(plain(rows)).toEqual([staged]);
  });

  it('keeps the values as sent in the raw record', async () => {
    const [raw] = await fx.db.query<{ payload: Case }>(
      `select payload from ${fx.db.table('raw_bitbucket', 'pullrequests')} where record_key = $1`,
      [`${REPO}:2`],
    );
    expect(raw?.payload).toMatchObject(CASES['words where numbers, dates and flags belong']?.sent ?? {});
  });
});
