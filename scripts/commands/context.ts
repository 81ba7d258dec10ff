// What every command starts from: the validated configuration and a logger on stderr (stdout is
// for the command's answer, e.g. `runs --json`).
//
// Command modules stay light: the Temporal SDK alone takes over a second to load, so commands
// that need it load their action (and with it temporal.ts) only when they run. `bbetl --help`,
// a mistyped flag and `bbetl runs` never pay for it.
import { createRequire } from 'node:module';
import pino from 'pino';
import { createLogger, type Logger } from '../../lib/log';
import type { ProcessMetrics } from '../../services/metrics';
import { type Config, loadConfig } from '../../temporal.config';

export interface CommandContext {
  config: Config;
  log: Logger;
  /** The Temporal SDK's own INFO lines (worker state, bundling) are wanted from `bbetl worker` only. */
  verboseSdk: boolean;
  /** The metrics this process serves (the Temporal SDK's runtime metrics join them); unset: none. */
  metrics?: ProcessMetrics;
}

/** `env` replaces process.env as the configuration's source (the demo builds its own). */
export function commandContext(
  options: { verboseSdk?: boolean; env?: Record<string, string | undefined> } = {},
): CommandContext {
  const config = loadConfig(options.env);
  // pino-pretty only for a terminal, and loaded only then (commands run by scripts never need it).
  const destination = process.stderr.isTTY
    ? (createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty'))({
        destination: 2,
        sync: true,
        colorize: true,
        ignore: 'pid,hostname',
      })
    : pino.destination({ dest: 2, sync: true });
  const log = createLogger({ level: config.logLevel, destination });
  return { config, log, verboseSdk: options.verboseSdk ?? false };
}
