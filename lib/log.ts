// Structured logs: pino JSON by default (production), pretty when writing to a terminal.
// Secrets are redacted by key wherever they appear in a logged object, so a token can never
// reach a log line by accident.
import pino, { type Logger } from 'pino';

export const SECRET_KEYS = [
  'access_token',
  'accessToken',
  'refresh_token',
  'refreshToken',
  'client_secret',
  'clientSecret',
  'secretKey',
  'authorization',
  'Authorization',
  'password',
  'token',
  'code',
];

const redactPaths = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export function createLogger(options: { level?: string; pretty?: boolean; name?: string } = {}): Logger {
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  return pino({
    name: options.name ?? 'bbetl',
    level: options.level ?? 'info',
    redact: { paths: redactPaths, censor: '[redacted]' },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } } }
      : {}),
  });
}

export type { Logger };
