import type { BitbucketClient } from '../bitbucket/client';
import type { StreamState } from '../bitbucket/streams/selection';
import type { Logger } from '../lib/log';
import type { WarehouseEngine } from '../warehouse/engine';
import type { BatchWritten } from './pageBatch';

/** What activities need from the outside world; built from the configuration by services/services.ts. */
export interface ActivityDeps {
  db: WarehouseEngine;
  /** A fresh API client for a connection (its own request counters; shared budget and tokens). */
  clientFor(connectionId: string): Promise<BitbucketClient>;
  /** Flips the connection to reconnect_required after an AUTH failure the vault did not see. */
  onAuthFailure(connectionId: string, reason: string): Promise<void>;
  /** Builds and tests the models after a sync; throws TransformFailedError when one fails. */
  runTransforms(connectionId: string): Promise<void>;
  /** The connection's workspaces, as granted. */
  workspacesOf(connectionId: string): Promise<string[]>;
  /** Every stream, on or off for the connection, and why. */
  streamsOf(connectionId: string): Promise<StreamState[]>;
  /** Told what each batch of pages wrote (the worker's metrics); it must not throw. */
  onBatchWritten?(written: BatchWritten): void;
  log: Logger;
}
