// etl_meta.connection_streams on every engine: a connection's own stream settings, written,
// replaced, dropped, and kept apart from another connection's.
import { expect, it } from 'vitest';
import {
  clearStreamSettings,
  readStreamSettings,
  writeStreamSettings,
} from '../../warehouse/connectionStreams';
import { describeEachWarehouse, useMigratedWarehouse } from '../support/warehouse';

describeEachWarehouse('connection stream settings', (engine) => {
  const fx = useMigratedWarehouse(engine, { setup: 240_000 });

  it('writes, replaces and drops settings, per connection', async () => {
    expect(await readStreamSettings(fx.db, 'a')).toEqual([]);
    await writeStreamSettings(fx.db, 'a', [
      { stream: 'pipeline_steps', on: true },
      { stream: 'deployments', on: false },
    ]);
    await writeStreamSettings(fx.db, 'b', [{ stream: 'branches', on: true }]);
    await writeStreamSettings(fx.db, 'a', [{ stream: 'pipeline_steps', on: false }]);
    expect(await readStreamSettings(fx.db, 'a')).toEqual([
      { stream: 'deployments', on: false },
      { stream: 'pipeline_steps', on: false },
    ]);
    await clearStreamSettings(fx.db, 'a', ['deployments']);
    expect(await readStreamSettings(fx.db, 'a')).toEqual([{ stream: 'pipeline_steps', on: false }]);
    expect(await readStreamSettings(fx.db, 'b')).toEqual([{ stream: 'branches', on: true }]);
  }, 60_000);
});
