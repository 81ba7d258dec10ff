// The streams a connection's runs read: the defaults, changed by BBETL_STREAMS, changed by the
// connection's own settings (etl_meta.connection_streams).
import { resolveStreams, type StreamState } from '../bitbucket/streams/selection';
import type { Config } from '../temporal.config';
import { readStreamSettings } from '../warehouse/connectionStreams';
import type { WarehouseEngine } from '../warehouse/engine';

export async function connectionStreams(
  db: WarehouseEngine,
  config: Pick<Config, 'streams'>,
  connectionId: string,
): Promise<StreamState[]> {
  return resolveStreams(config.streams, await readStreamSettings(db, connectionId));
}
