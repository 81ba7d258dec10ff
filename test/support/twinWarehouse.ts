// A second warehouse on a pipeline fixture's sandbox, connected the same way (every stream on):
// the undisturbed twin of a run, for comparing tables. (Another sandbox would differ: links carry
// its port.)
import { afterAll, beforeAll } from 'vitest';
import { connect, type PipelineFixture, pipelineServices, readEveryStream } from './pipeline';
import type { WarehouseUnderTest } from './warehouse';

export function useTwinWarehouse(of: PipelineFixture, engine: () => WarehouseUnderTest): PipelineFixture {
  const twin = {} as PipelineFixture;
  beforeAll(async () => {
    twin.sb = of.sb;
    twin.wh = engine();
    twin.db = await twin.wh.open();
    twin.services = await pipelineServices(twin.sb, twin.db);
    await connect(twin.sb, twin.services);
    await readEveryStream(twin.db);
  });
  afterAll(async () => {
    await twin.wh?.cleanup(twin.db);
    await twin.db?.close();
  });
  return twin;
}
