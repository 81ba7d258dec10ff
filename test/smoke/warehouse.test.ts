import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WarehouseEngine } from '../../warehouse/engine';
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
    await db?.close();
    wh?.cleanup();
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
});
