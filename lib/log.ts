// Structured logs: pino JSON by default (production), pretty when writing to a terminal.
// Secrets are redacted by key wherever they appear in a logged object, so a token can never
// reach a log line by accident.
import pino, { type DestinationStream, type Logger } from 'pino';

export const SECRET_KEYS = [
  'access_token',
  'accessToken',
  'refresh_token',
  'refreshToken',
  'client_secret',
  'clientSecret',
  'secretKey',
  'apiKey',
  'authorization',
  'Authorization',
  'password',
  'token',
  'code',
];

const redactPaths = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

/** `destination` (JSON lines, e.g. to capture logs in a test) replaces stdout and pretty printing. */
export function createLogger(
  options: { level?: string; pretty?: boolean; name?: string; destination?: DestinationStream } = {},
): Logger {
  const pretty = !options.destination && (options.pretty ?? process.stdout.isTTY === true);
  return pino(
    {
      name: options.name ?? 'bbetl',
      level: options.level ?? 'info',
      redact: { paths: redactPaths, censor: '[redacted]' },
      ...(pretty
        ? { transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } } }
        : {}),
    },
    options.destination,
  );
}

export type { Logger };
