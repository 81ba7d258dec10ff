// What the web app is built from: the configuration, the worker's services (warehouse, token
// vault, OAuth client, API clients) and where to start workflows. Tests pass the same parts.

import type { WorkflowTarget } from '../client/launch';
import type { Services } from '../services/services';
import type { Config } from '../temporal.config';

export interface WebDeps {
  config: Config;
  services: Services;
  workflows: WorkflowTarget;
  /** The connection the Connections card manages (the CLI's default is the same). */
  connectionId?: string;
  /** How long a live check of the connection's access (GET /user) is trusted; 0 checks on every view. */
  accessCheckTtlMs?: number;
  now?: () => Date;
}

export const DEFAULT_CONNECTION = 'default';
