// Bad input at the command line: malformed configuration values (exit 2, the message names the
// variable), unknown commands and flags, and a workspace the connection does not have. Extends
// test/cli/cli.test.ts (option validation) and test/unit/config.test.ts (the config schema, one
// command).
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import { bbetl, cliDataDir, cliEnv } from '../cli/run';
import { temporalAddress, temporalAvailable, uniqueTaskQueue } from '../support/temporal';

/**
 * Environments whose every value is wrong for its variable: the command must stop before doing
 * anything, name each variable, and echo neither the secret key nor a database password.
 */
const MALFORMED: Array<Record<string, string>> = [
  {
    WAREHOUSE: 'postgres',
    DATABASE_URL: 'mysql://bbetl:hunter2@db/warehouse',
    BIGQUERY_PROJECT: 'Not_A_Project',
    BIGQUERY_DATASET_PREFIX: 'has-dash',
    BIGQUERY_API_ENDPOINT: 'localhost:9050',
    TEMPORAL_ADDRESS: 'localhost',
    TEMPORAL_UI_PORT: '70000',
    BITBUCKET_API_URL: 'api.bitbucket.org',
    BITBUCKET_OAUTH_URL: 'file:///etc/passwd',
    BITBUCKET_RATE_LIMIT_PER_HOUR: 'lots',
    TRANSFORM_LOOKBACK_MINUTES: '-5',
    INITIAL_BACKFILL_DAYS: '1e9',
    SYNC_INTERVAL_MINUTES: '0',
    PUBLIC_URL: 'not a url',
    PORT: '-1',
    LOG_LEVEL: 'loud',
    BBETL_SECRET_KEY: 'too-short',
  },
  { WAREHOUSE: 'snowflake', BBETL_SECRET_KEY: '\u{1F680}'.repeat(22) },
];
const SECRETS = ['hunter2', 'too-short', '\u{1F680}'];

describe.skipIf(!temporalAvailable())('bbetl CLI with bad input', () => {
  let sb: Sandbox;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    sb = await startSandbox({ scale: 'tiny', rateLimitPerHour: 1_000_000 });
    dataDir = cliDataDir('bbetl-chaos-cli-');
    env = cliEnv(sb, dataDir, temporalAddress(), uniqueTaskQueue('chaos-cli'));
    const connect = await bbetl(['connect', '--client-credentials'], env);
    expect(connect.code, connect.stderr).toBe(0);
  });
  afterAll(async () => {
    await sb?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('malformed configuration values stop a command with exit 2, each variable named', async () => {
    const args = ['backfill', '--workspace', 'acme', '--since', '2025-01-01'];
    const results = await Promise.all(MALFORMED.map((bad) => bbetl(args, { ...env, ...bad })));
    results.forEach((result, i) => {
      const bad = MALFORMED[i] as Record<string, string>;
      expect(result.code, result.stderr).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).not.toMatch(/\n\s+at /);
      for (const name of Object.keys(bad).filter((n) => n !== 'WAREHOUSE' || bad[n] !== 'postgres'))
        expect(result.stderr).toMatch(new RegExp(`^  - ${name}\\b`, 'm'));
      for (const secret of SECRETS) expect(result.stderr).not.toContain(secret);
    });
  }, 120_000);

  it('an unknown command or flag is refused, saying which', async () => {
    const cases: Array<[string[], string]> = [
      [['frobnicate'], "unknown command 'frobnicate'"],
      [['--bogus', 'runs'], "unknown option '--bogus'"],
      [['runs', '--json', '--yaml'], "unknown option '--yaml'"],
      [['schedule', 'create', '--every'], "option '--every <duration>' argument missing"],
      [['backfill', 'pause', '--workspace', 'acme', 'extra'], 'too many arguments'],
    ];
    const results = await Promise.all(cases.map(([args]) => bbetl(args, env)));
    results.forEach((result, i) => {
      const [args, message] = cases[i] as [string[], string];
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr, args.join(' ')).toContain(message);
    });
  }, 120_000);

  it('a backfill of a workspace the connection does not have fails, naming it, and the ledger says so', async () => {
    const result = await bbetl(['backfill', '--workspace', 'nosuch', '--since', '2025-01-01', '--wait'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /backfill backfill:default:nosuch:\S+ failed: .*No workspace with identifier 'nosuch'/,
    );
    const runs = await bbetl(['runs', '--json'], env);
    const ledger = JSON.parse(runs.stdout) as Array<Record<string, unknown>>;
    expect(ledger.find((r) => r.workspace === 'nosuch')).toMatchObject({
      kind: 'backfill',
      status: 'failed',
    });
  }, 120_000);
});
