import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WarehouseEngine } from '../../warehouse/engine';
import { migrate } from '../../warehouse/migrate';
import { MIGRATIONS } from '../../warehouse/migrations/index';
import { describeEachWarehouse, type WarehouseUnderTest } from '../support/warehouse';

const doc = { user: { uuid: '{0b6c}', display_name: 'Zoë <b>' }, tags: ['a', 'b'], count: 3, none: null };

describeEachWarehouse('warehouse engine (smoke)', (engineUnderTest) => {
  let wh: WarehouseUnderTest;
  let db: WarehouseEngine;
  beforeAll(async () => {
    wh = engineUnderTest();
    db = await wh.open();
  });
  afterAll(async () => {
    await wh?.cleanup(db);
    await db?.close();
  });

  it('answers select 1', async () => {
    const rows = await db.query<{ one: number }>('select 1 as one');
    expect(Number(rows[0]?.one)).toBe(1);
  });

  it('round-trips a JSON document through a parameter', async () => {
    const sql = db.name === 'bigquery' ? 'select parse_json($1) as doc' : 'select $1::jsonb as doc';
    const rows = await db.query<{ doc: unknown }>(sql, [JSON.stringify(doc)]);
    expect(rows[0]?.doc).toEqual(doc);
  });

  it('migrates once: a second run applies nothing, and the tables exist', async () => {
    expect(await migrate(db)).toEqual(MIGRATIONS.map((m) => m.id));
    expect(await migrate(db)).toEqual([]);
    const rows = await db.query(`select count(*) as n from ${db.table('etl_meta', 'connections')}`);
    expect(Number(rows[0]?.n)).toBe(0);
  });

  it('a migration that fails leaves the ones before it applied and recorded, and is retried next time', async () => {
    // (BigQuery runs every pending migration as one script: its ledger rows are interleaved.)
    const step = (id: string, sql: (db: WarehouseEngine) => string) => ({
      id,
      postgres: (d: WarehouseEngine) => [sql(d)],
      bigquery: (d: WarehouseEngine) => [sql(d)],
    });
    const table = (name: string) => (d: WarehouseEngine) =>
      `create table ${d.table('etl_meta', name)} (${d.dialect === 'postgres' ? 'n integer' : 'n int64'})`;
    const first = step('900_first', table('mig_first'));
    const third = step('902_third', table('mig_third'));
    const broken = [
      first,
      step('901_second', (d) => `select * from ${d.table('etl_meta', 'no_such_table')}`),
      third,
    ];
    await expect(migrate(db, [...MIGRATIONS, ...broken])).rejects.toThrow(/no_such_table/);
    const recorded = async () =>
      (
        await db.query<{ id: string }>(
          `select id from ${db.table('etl_meta', 'schema_migrations')} where id like '90%' order by id`,
        )
      ).map((r) => r.id);
    expect(await recorded()).toEqual(['900_first']);
    await db.query(`select count(*) as n from ${db.table('etl_meta', 'mig_first')}`);
    const fixed = [first, step('901_second', table('mig_second')), third];
    expect(await migrate(db, [...MIGRATIONS, ...fixed])).toEqual(['901_second', '902_third']);
    expect(await recorded()).toEqual(['900_first', '901_second', '902_third']);
  });

  it('quotes hostile identifiers instead of letting them reach SQL', () => {
    const name = db.table('raw_bitbucket', db.name === 'bigquery' ? 'ok_name' : 'x"; drop table y; --');
    expect(name).toMatch(db.name === 'bigquery' ? /^`[^`]+`$/ : /"x""; drop table y; --"$/);
    if (db.name === 'bigquery')
      expect(() => db.table('raw_bitbucket', 'x`; drop')).toThrow(/invalid BigQuery identifier/);
  });
});
