// The one typed configuration of bbetl, read from the environment and validated at start.
// A wrong value stops the program with a message that names the variable and what it accepts.
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TLSConfig } from '@temporalio/client';
import { z } from 'zod';
import {
  parentProblems,
  parseStreamChanges,
  resolveStreams,
  type StreamSetting,
} from './bitbucket/streams/selection';
import { parseSeatPriceSetting, type SeatPriceSetting, seatPriceSettingText } from './lib/seatPrice';
import { isSecretKeyText, secretKeyProblem } from './lib/secretKeyText';

const WAREHOUSES = ['pglite', 'postgres', 'bigquery'] as const;
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/**
 * Activities one worker runs at once. Extraction activities mostly wait (on the request budget,
 * on Bitbucket, on short warehouse writes), so 8 keep a small worker busy; more would only queue
 * on the request budget and on the process's 4 Postgres connections (README: Running at scale).
 */
export const DEFAULT_WORKER_CONCURRENCY = 8;

/** Every environment variable bbetl reads, with its default and meaning (`bbetl config env` prints the README table; a test keeps them equal). */
export const ENV_DOCS = {
  WAREHOUSE: ['pglite', `where raw data and marts live: ${WAREHOUSES.join(', ')}`],
  BBETL_DATA_DIR: [
    './.bbetl',
    'local state: embedded warehouse, embedded Temporal database, generated key file',
  ],
  PGLITE_DIR: ['$BBETL_DATA_DIR/pglite', 'PGlite data directory (WAREHOUSE=pglite)'],
  DATABASE_URL: ['(none)', 'Postgres connection string (required when WAREHOUSE=postgres)'],
  BIGQUERY_PROJECT: ['(none)', 'BigQuery project id (required when WAREHOUSE=bigquery)'],
  BIGQUERY_DATASET_PREFIX: [
    'bbetl',
    'prefix of the BigQuery datasets bbetl creates (<prefix>_raw_bitbucket, ...)',
  ],
  BIGQUERY_LOCATION: ['US', 'BigQuery location of those datasets'],
  BIGQUERY_API_ENDPOINT: ['(Google)', 'BigQuery API endpoint; set to the emulator URL in tests'],
  TEMPORAL_ADDRESS: [
    '(embedded dev server)',
    'host:port of a Temporal cluster; unset starts a local dev server',
  ],
  TEMPORAL_NAMESPACE: ['default', 'Temporal namespace'],
  TEMPORAL_TASK_QUEUE: ['bbetl', 'task queue of the workflows and activities'],
  TEMPORAL_CLI_PATH: [
    '(found)',
    'Temporal CLI binary for the embedded dev server; else .tools/, PATH, or the SDK download',
  ],
  TEMPORAL_UI_PORT: ['8233', 'port of the embedded dev server web UI'],
  TEMPORAL_WORKFLOW_BUNDLE: [
    '(bundled at start)',
    'workflow code bundled ahead by `bbetl worker --write-bundle <file>`; saves each worker start seconds of CPU',
  ],
  TEMPORAL_API_KEY: ['(none)', 'Temporal Cloud API key (needs TEMPORAL_ADDRESS; implies TLS)'],
  TEMPORAL_TLS: [
    '(off)',
    'true or false: TLS to TEMPORAL_ADDRESS; unset: on when an API key, client certificate, CA or server name is set',
  ],
  TEMPORAL_TLS_CERT: ['(none)', 'mTLS client certificate, PEM file (with TEMPORAL_TLS_KEY)'],
  TEMPORAL_TLS_KEY: ['(none)', 'private key of TEMPORAL_TLS_CERT, PEM file'],
  TEMPORAL_TLS_CA: ['(system roots)', "CA of the Temporal server's certificate, PEM file"],
  TEMPORAL_TLS_SERVER_NAME: [
    '(host of TEMPORAL_ADDRESS)',
    "name the server's certificate is checked against (SNI), e.g. behind a proxy",
  ],
  WORKER_CONCURRENCY: [
    String(DEFAULT_WORKER_CONCURRENCY),
    'activities one worker runs at once, 1-200 (`bbetl worker --concurrency` wins)',
  ],
  WORKER_METRICS_PORT: [
    '(off)',
    'port where `bbetl worker` serves Prometheus metrics, 1-65535 (`bbetl worker --metrics-port` wins)',
  ],
  METRICS_TOKEN: [
    '(none)',
    "bearer token Prometheus sends for the web app's /metrics (and the worker's metrics port); unset: the web app has no /metrics",
  ],
  BITBUCKET_CLIENT_ID: ['(none)', 'OAuth consumer key'],
  BITBUCKET_CLIENT_SECRET: ['(none)', 'OAuth consumer secret'],
  BITBUCKET_API_URL: ['https://api.bitbucket.org/2.0', 'Bitbucket REST API base URL'],
  BITBUCKET_OAUTH_URL: ['https://bitbucket.org/site/oauth2', 'Bitbucket OAuth base URL'],
  BITBUCKET_RATE_LIMIT_PER_HOUR: ['1000', 'request budget per OAuth consumer per rolling hour'],
  TRANSFORM_LOOKBACK_MINUTES: [
    '10',
    'incremental models re-read rows extracted this long before their newest (covers loads still committing)',
  ],
  SEAT_PRICE: [
    '(none)',
    'default price of a seat per month and its ISO 4217 currency, e.g. `19 USD`, where no price set by `bbetl workspace price` applies; unset: such months have no spend',
  ],
  INITIAL_BACKFILL_DAYS: ['90', 'days of history the backfill started by a new connection reads'],
  SYNC_INTERVAL_MINUTES: ['60', 'how often the schedule a new connection gets runs an incremental sync'],
  BBETL_STREAMS: [
    '(none)',
    "streams turned on (+) or off (-) for every connection, e.g. `+pipeline_steps,-deployments`; a connection's own settings (`bbetl streams`) win",
  ],
  BBETL_SECRET_KEY: [
    '(key file)',
    '32-byte key (base64 or hex) encrypting tokens at rest; unset: generated in $BBETL_DATA_DIR',
  ],
  PUBLIC_URL: ['http://localhost:3000', 'URL where users reach the web app (OAuth callback base)'],
  PORT: ['3000', 'port the web app listens on'],
  SIGN_IN_MAX_FAILURES: [
    '5',
    'failed sign-ins to one account within SIGN_IN_WINDOW_MINUTES that lock it for SIGN_IN_LOCKOUT_MINUTES, 1-1000',
  ],
  SIGN_IN_MAX_FAILURES_PER_ADDRESS: [
    '20',
    'failed sign-ins from one client address (any accounts) within SIGN_IN_WINDOW_MINUTES that lock the address out, 1-10000',
  ],
  SIGN_IN_WINDOW_MINUTES: ['15', 'how far back failed sign-ins count, 1-1440 minutes'],
  SIGN_IN_LOCKOUT_MINUTES: [
    '15',
    'how long a locked account or address answers every sign-in, even a correct one, with 429, 1-1440 minutes',
  ],
  LOG_LEVEL: ['info', `log level: ${LOG_LEVELS.join(', ')}`],
} as const satisfies Record<string, readonly [string, string]>;

export type EnvName = keyof typeof ENV_DOCS;

const port = z.coerce.number().int().min(0).max(65535);
const httpUrl = z.url({ protocol: /^https?$/ });

const envSchema = z.object({
  WAREHOUSE: z.enum(WAREHOUSES).default('pglite'),
  BBETL_DATA_DIR: z.string().default('./.bbetl'),
  PGLITE_DIR: z.string().optional(),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  BIGQUERY_PROJECT: z
    .string()
    .regex(/^[a-z][a-z0-9-]{4,62}$/)
    .optional(),
  BIGQUERY_DATASET_PREFIX: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,800}$/)
    .default('bbetl'),
  BIGQUERY_LOCATION: z.string().default('US'),
  BIGQUERY_API_ENDPOINT: httpUrl.optional(),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:/]+:\d{1,5}$/)
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('bbetl'),
  TEMPORAL_CLI_PATH: z.string().optional(),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_WORKFLOW_BUNDLE: z.string().optional(),
  // One line: a key pasted with a newline or a space would make a broken Authorization header.
  TEMPORAL_API_KEY: z.string().regex(/^\S+$/).optional(),
  TEMPORAL_TLS: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  TEMPORAL_TLS_CERT: z.string().optional(),
  TEMPORAL_TLS_KEY: z.string().optional(),
  TEMPORAL_TLS_CA: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z
    .string()
    .regex(/^[A-Za-z0-9.-]+$/)
    .optional(),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(DEFAULT_WORKER_CONCURRENCY),
  WORKER_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  // Sent in an Authorization header: one line of visible characters, long enough not to be guessed.
  METRICS_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{16,}$/)
    .optional(),
  BITBUCKET_CLIENT_ID: z.string().optional(),
  BITBUCKET_CLIENT_SECRET: z.string().optional(),
  BITBUCKET_API_URL: httpUrl.default('https://api.bitbucket.org/2.0'),
  BITBUCKET_OAUTH_URL: httpUrl.default('https://bitbucket.org/site/oauth2'),
  BITBUCKET_RATE_LIMIT_PER_HOUR: z.coerce.number().int().min(1).default(1000),
  TRANSFORM_LOOKBACK_MINUTES: z.coerce.number().int().min(0).max(10_080).default(10),
  SEAT_PRICE: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return undefined;
      try {
        return parseSeatPriceSetting(text);
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          message: `${(err as Error).message}; set the price of a seat per month and its currency, e.g. SEAT_PRICE="19 USD", or unset it`,
        });
        return z.NEVER;
      }
    }),
  INITIAL_BACKFILL_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  SYNC_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
  BBETL_STREAMS: z
    .string()
    .default('')
    .transform((text, ctx) => {
      const parsed = parseStreamChanges(text);
      if ('changes' in parsed) return parsed.changes;
      ctx.addIssue({ code: 'custom', message: parsed.problem });
      return z.NEVER;
    }),
  BBETL_SECRET_KEY: z.string().refine(isSecretKeyText).optional(),
  PUBLIC_URL: httpUrl.default('http://localhost:3000'),
  PORT: port.default(3000),
  SIGN_IN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  SIGN_IN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).max(10_000).default(20),
  SIGN_IN_WINDOW_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  SIGN_IN_LOCKOUT_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
});

type Env = z.infer<typeof envSchema>;

export type WarehouseConfig =
  | { engine: 'pglite'; dir: string; schemaPrefix?: string }
  | { engine: 'postgres'; url: string; schemaPrefix?: string }
  | { engine: 'bigquery'; project: string; datasetPrefix: string; location: string; apiEndpoint?: string };

/** TLS to TEMPORAL_ADDRESS; the PEM files are read when connecting. */
export interface TemporalTls {
  /** mTLS: the client certificate and its private key. */
  clientCert?: { certPath: string; keyPath: string };
  /** CA of the server's certificate; unset: the system's trusted roots. */
  caPath?: string;
  serverName?: string;
}

export interface Config {
  dataDir: string;
  warehouse: WarehouseConfig;
  temporal: {
    address?: string;
    namespace: string;
    taskQueue: string;
    cliPath?: string;
    uiPort: number;
    /** Prebuilt workflow code (`bbetl worker --write-bundle`); unset: bundled when a worker starts. */
    workflowBundle?: string;
    /** Only with an address (the embedded dev server is plain TCP); unset: no TLS. */
    tls?: TemporalTls;
    /** Temporal Cloud API key, sent as a bearer token (always over TLS). */
    apiKey?: string;
  };
  worker: { concurrency: number };
  metrics: {
    /** Where `bbetl worker` serves its metrics; unset: it serves none. */
    workerPort?: number;
    /** The bearer token a scrape must send; unset: the web app has no /metrics, the worker's port asks none. */
    bearerToken?: string;
  };
  bitbucket: {
    clientId?: string;
    clientSecret?: string;
    apiUrl: string;
    oauthUrl: string;
    rateLimitPerHour: number;
  };
  /**
   * Run variables of the transforms started after syncs; seatPrice (SEAT_PRICE): the price of a
   * seat where no stored price applies.
   */
  transforms: { lookbackMinutes: number; seatPrice?: SeatPriceSetting };
  /** What a connection made in the web app starts: its first backfill and its schedule. */
  sync: { initialBackfillDays: number; intervalMinutes: number };
  /** Streams turned on or off for every connection (BBETL_STREAMS); a connection's settings win. */
  streams: readonly StreamSetting[];
  secretKey?: string;
  publicUrl: string;
  port: number;
  /** The web app's sign-in throttle (web/auth/signInThrottle.ts). */
  signIn: SignInPolicy;
  logLevel: (typeof LOG_LEVELS)[number];
}

export interface SignInPolicy {
  maxFailuresPerAccount: number;
  maxFailuresPerAddress: number;
  windowMinutes: number;
  lockoutMinutes: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const HINTS: Partial<Record<EnvName, string>> = {
  DATABASE_URL: 'a URL like postgres://user:password@host:5432/db',
  BIGQUERY_PROJECT: 'a Google Cloud project id (lowercase letters, digits, dashes)',
  TEMPORAL_ADDRESS: 'host:port, e.g. localhost:7233 (unset it to use the embedded dev server)',
  BIGQUERY_API_ENDPOINT: 'an http(s) URL',
  BITBUCKET_API_URL: 'an http(s) URL',
  BITBUCKET_OAUTH_URL: 'an http(s) URL',
  PUBLIC_URL: 'an http(s) URL',
  PORT: 'a port number 0-65535',
  TEMPORAL_UI_PORT: 'a port number 0-65535',
  TEMPORAL_API_KEY: 'the key on one line, without spaces (Temporal Cloud: Settings → API keys)',
  TEMPORAL_TLS_SERVER_NAME: 'a host name, e.g. temporal.example.com (no scheme, no port)',
  WORKER_CONCURRENCY: 'a whole number of activities, 1 to 200',
  WORKER_METRICS_PORT: 'a port number 1-65535 (unset it to serve no metrics)',
  METRICS_TOKEN:
    'at least 16 characters without spaces, e.g. the output of `openssl rand -hex 32` (unset it to serve no /metrics)',
  BITBUCKET_RATE_LIMIT_PER_HOUR: 'a whole number of requests, at least 1',
  TRANSFORM_LOOKBACK_MINUTES: 'a whole number of minutes, 0 to 10080 (a week)',
  INITIAL_BACKFILL_DAYS: 'a whole number of days, 1 to 3650',
  SYNC_INTERVAL_MINUTES: 'a whole number of minutes, 1 to 10080 (a week)',
  SIGN_IN_MAX_FAILURES: 'a whole number of failed sign-ins, 1 to 1000',
  SIGN_IN_MAX_FAILURES_PER_ADDRESS: 'a whole number of failed sign-ins, 1 to 10000',
  SIGN_IN_WINDOW_MINUTES: 'a whole number of minutes, 1 to 1440 (a day)',
  SIGN_IN_LOCKOUT_MINUTES: 'a whole number of minutes, 1 to 1440 (a day)',
};

/** The value as a message may show it: never the secret key, an API key or a database password. */
function shown(name: EnvName, value: string | undefined): string {
  if (name === 'DATABASE_URL') return JSON.stringify(value?.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1redacted@'));
  if (name === 'TEMPORAL_API_KEY' || name === 'METRICS_TOKEN') return '(hidden)';
  return JSON.stringify(value);
}

function describeIssue(issue: z.core.$ZodIssue, env: Record<string, string | undefined>): string {
  const name = String(issue.path[0]) as EnvName;
  if (name === 'BBETL_SECRET_KEY') return secretKeyProblem(env[name] ?? '');
  const got = shown(name, env[name]);
  if (issue.code === 'custom') return `${name}=${got}: ${issue.message}`;
  if (issue.code === 'invalid_value') {
    return `${name}=${got} is not allowed; use one of: ${issue.values.map(String).join(', ')}`;
  }
  return `${name}=${got} is invalid; expected ${HINTS[name] ?? issue.message}`;
}

/** Settings that only make sense over TLS: setting one turns TLS on unless TEMPORAL_TLS says. */
const TLS_SETTINGS = [
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS_CERT',
  'TEMPORAL_TLS_KEY',
  'TEMPORAL_TLS_CA',
  'TEMPORAL_TLS_SERVER_NAME',
] as const;

const PEM_FILES = {
  TEMPORAL_TLS_CERT: "the client certificate's PEM file",
  TEMPORAL_TLS_KEY: "the PEM file of the client certificate's private key",
  TEMPORAL_TLS_CA: "the PEM file of the CA that signed the server's certificate",
} as const;

/** Why `path` cannot be read, or undefined when it can. */
function unreadable(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return 'not a file';
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES'
        ? 'permission denied'
        : (err as Error).message;
  }
}

function temporalSecurityChecks(env: Env): string[] {
  const problems: string[] = [];
  const set = (['TEMPORAL_TLS', ...TLS_SETTINGS] as const).filter((name) => env[name] !== undefined);
  if (!env.TEMPORAL_ADDRESS && set.length > 0) {
    problems.push(
      `${set.join(', ')} set without TEMPORAL_ADDRESS: TLS and API keys are for a Temporal cluster, the embedded dev server takes none; set TEMPORAL_ADDRESS or unset ${set.length > 1 ? 'them' : 'it'}`,
    );
  }
  if (Boolean(env.TEMPORAL_TLS_CERT) !== Boolean(env.TEMPORAL_TLS_KEY)) {
    problems.push(
      'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together (mTLS needs the certificate and its key)',
    );
  }
  const needTls = TLS_SETTINGS.filter((name) => env[name] !== undefined);
  if (env.TEMPORAL_TLS === false && needTls.length > 0) {
    problems.push(
      `TEMPORAL_TLS=false, but ${needTls.join(', ')} need${needTls.length > 1 ? '' : 's'} TLS; unset TEMPORAL_TLS or set it to true`,
    );
  }
  for (const [name, what] of Object.entries(PEM_FILES)) {
    const path = env[name as keyof typeof PEM_FILES];
    const why = path && unreadable(path);
    if (why) problems.push(`${name}: cannot read ${path} (${why}); point it at ${what}`);
  }
  return problems;
}

function crossChecks(env: Env): string[] {
  const problems = temporalSecurityChecks(env);
  if (env.WAREHOUSE === 'postgres' && !env.DATABASE_URL) {
    problems.push('DATABASE_URL is required when WAREHOUSE=postgres (postgres://user:password@host:5432/db)');
  }
  if (env.WAREHOUSE === 'bigquery' && !env.BIGQUERY_PROJECT) {
    problems.push('BIGQUERY_PROJECT is required when WAREHOUSE=bigquery');
  }
  if (Boolean(env.BITBUCKET_CLIENT_ID) !== Boolean(env.BITBUCKET_CLIENT_SECRET)) {
    problems.push('BITBUCKET_CLIENT_ID and BITBUCKET_CLIENT_SECRET must be set together');
  }
  if (env.TEMPORAL_WORKFLOW_BUNDLE && !existsSync(env.TEMPORAL_WORKFLOW_BUNDLE)) {
    problems.push(
      `TEMPORAL_WORKFLOW_BUNDLE: no file at ${env.TEMPORAL_WORKFLOW_BUNDLE} (write one with \`bbetl worker --write-bundle ${env.TEMPORAL_WORKFLOW_BUNDLE}\`, or unset it to bundle at start)`,
    );
  }
  for (const problem of parentProblems(resolveStreams(env.BBETL_STREAMS, [])))
    problems.push(`BBETL_STREAMS: ${problem}; turn them on together or off together`);
  return problems;
}

function temporalTls(env: Env): TemporalTls | undefined {
  const implied = TLS_SETTINGS.some((name) => env[name] !== undefined);
  if (!(env.TEMPORAL_TLS ?? implied)) return undefined;
  return {
    clientCert:
      env.TEMPORAL_TLS_CERT && env.TEMPORAL_TLS_KEY
        ? { certPath: resolve(env.TEMPORAL_TLS_CERT), keyPath: resolve(env.TEMPORAL_TLS_KEY) }
        : undefined,
    caPath: env.TEMPORAL_TLS_CA ? resolve(env.TEMPORAL_TLS_CA) : undefined,
    serverName: env.TEMPORAL_TLS_SERVER_NAME,
  };
}

function toConfig(env: Env): Config {
  const dataDir = resolve(env.BBETL_DATA_DIR);
  const warehouse: WarehouseConfig =
    env.WAREHOUSE === 'postgres'
      ? { engine: 'postgres', url: env.DATABASE_URL as string }
      : env.WAREHOUSE === 'bigquery'
        ? {
            engine: 'bigquery',
            project: env.BIGQUERY_PROJECT as string,
            datasetPrefix: env.BIGQUERY_DATASET_PREFIX,
            location: env.BIGQUERY_LOCATION,
            apiEndpoint: env.BIGQUERY_API_ENDPOINT,
          }
        : { engine: 'pglite', dir: resolve(env.PGLITE_DIR ?? `${dataDir}/pglite`) };
  return {
    dataDir,
    warehouse,
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      cliPath: env.TEMPORAL_CLI_PATH,
      uiPort: env.TEMPORAL_UI_PORT,
      workflowBundle: env.TEMPORAL_WORKFLOW_BUNDLE ? resolve(env.TEMPORAL_WORKFLOW_BUNDLE) : undefined,
      tls: temporalTls(env),
      apiKey: env.TEMPORAL_API_KEY,
    },
    worker: { concurrency: env.WORKER_CONCURRENCY },
    metrics: { workerPort: env.WORKER_METRICS_PORT, bearerToken: env.METRICS_TOKEN },
    bitbucket: {
      clientId: env.BITBUCKET_CLIENT_ID,
      clientSecret: env.BITBUCKET_CLIENT_SECRET,
      apiUrl: env.BITBUCKET_API_URL.replace(/\/+$/, ''),
      oauthUrl: env.BITBUCKET_OAUTH_URL.replace(/\/+$/, ''),
      rateLimitPerHour: env.BITBUCKET_RATE_LIMIT_PER_HOUR,
    },
    transforms: { lookbackMinutes: env.TRANSFORM_LOOKBACK_MINUTES, seatPrice: env.SEAT_PRICE },
    sync: { initialBackfillDays: env.INITIAL_BACKFILL_DAYS, intervalMinutes: env.SYNC_INTERVAL_MINUTES },
    streams: env.BBETL_STREAMS,
    secretKey: env.BBETL_SECRET_KEY,
    publicUrl: env.PUBLIC_URL.replace(/\/+$/, ''),
    port: env.PORT,
    signIn: {
      maxFailuresPerAccount: env.SIGN_IN_MAX_FAILURES,
      maxFailuresPerAddress: env.SIGN_IN_MAX_FAILURES_PER_ADDRESS,
      windowMinutes: env.SIGN_IN_WINDOW_MINUTES,
      lockoutMinutes: env.SIGN_IN_LOCKOUT_MINUTES,
    },
    logLevel: env.LOG_LEVEL,
  };
}

/** Reads and validates the configuration; throws ConfigError listing every problem at once. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  // An empty value (FOO= in an env file) means "unset", as most tools read it.
  const env = Object.fromEntries(
    Object.keys(ENV_DOCS).map((name) => [name, source[name] === '' ? undefined : source[name]]),
  );
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => describeIssue(i, env)));
  const problems = crossChecks(parsed.data);
  if (problems.length > 0) throw new ConfigError(problems);
  return toConfig(parsed.data);
}

/** The run variables the configuration gives every transform run: `seat_price` (SEAT_PRICE) when set. */
export function configuredTransformVars(transforms: Config['transforms']): { seat_price?: string } {
  return transforms.seatPrice ? { seat_price: seatPriceSettingText(transforms.seatPrice) } : {};
}

/**
 * What the SDK needs besides the address to reach Temporal, the same for a client's Connection and
 * a worker's NativeConnection: TLS (PEM files read now) and the API key. Empty for the embedded
 * dev server, since the configuration allows neither without TEMPORAL_ADDRESS.
 */
export function temporalConnectionOptions(temporal: Config['temporal']): {
  tls?: TLSConfig;
  apiKey?: string;
} {
  const { tls, apiKey } = temporal;
  return {
    tls: tls && {
      clientCertPair: tls.clientCert && {
        crt: readFileSync(tls.clientCert.certPath),
        key: readFileSync(tls.clientCert.keyPath),
      },
      serverRootCACertificate: tls.caPath ? readFileSync(tls.caPath) : undefined,
      serverNameOverride: tls.serverName,
    },
    apiKey,
  };
}
