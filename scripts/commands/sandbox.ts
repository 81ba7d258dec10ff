import { type Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { SCALES } from '../../sandbox/data/scales';
import { sandboxOptionsSchema } from '../../sandbox/options';

const number =
  (min: number, max = Number.POSITIVE_INFINITY) =>
  (raw: string) => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        `expected a number from ${min}${Number.isFinite(max) ? ` to ${max}` : ' up'}`,
      );
    }
    return n;
  };
const integer = (min: number, max?: number) => (raw: string) => {
  const n = number(min, max)(raw);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected a whole number');
  return n;
};
const share = number(0, 1);

interface SandboxFlags {
  port: number;
  host: string;
  seed: number;
  scale: (typeof SCALES)[number];
  epoch?: string;
  tokenLifetime?: number;
  rateLimit?: number;
  errorRate?: number;
  burst429Rate?: number;
  latencyMs?: number;
  resetRate?: number;
  truncateRate?: number;
  pageDriftRate?: number;
}

export function registerSandboxCommand(program: Command): void {
  program
    .command('sandbox')
    .description('run the local Bitbucket Cloud emulator (OAuth + API 2.0); prints its URLs as one JSON line')
    .option('--port <n>', 'port to listen on (0 picks a free one)', integer(0, 65535), 0)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--seed <n>',
      'seed of the generated data (same seed and scale, same data)',
      integer(-(2 ** 31), 2 ** 31 - 1),
      1,
    )
    .addOption(new Option('--scale <scale>', 'amount of data').choices(SCALES).default('small'))
    .option('--epoch <iso>', 'starting value of the sandbox clock (history lies before it)')
    .option('--token-lifetime <seconds>', 'access token lifetime (expires_in)', integer(1))
    .option('--rate-limit <n>', 'requests per OAuth consumer per rolling hour', integer(1))
    .option('--error-rate <share>', 'share of API requests answered 5xx', share)
    .option('--burst-429-rate <share>', 'chance a request starts a burst of 429s', share)
    .option('--latency-ms <ms>', 'latency added to every API request', number(0))
    .option('--reset-rate <share>', 'share of API requests whose connection is reset', share)
    .option('--truncate-rate <share>', 'share of answers cut off mid-body', share)
    .option('--page-drift-rate <share>', 'chance that fetching page 2+ first moves the clock', share)
    .action(async (flags: SandboxFlags) => {
      const parsed = sandboxOptionsSchema.safeParse({
        port: flags.port,
        host: flags.host,
        seed: flags.seed,
        scale: flags.scale,
        epoch: flags.epoch,
        tokenLifetimeSeconds: flags.tokenLifetime,
        rateLimitPerHour: flags.rateLimit,
        faults: Object.fromEntries(
          Object.entries({
            errorRate: flags.errorRate,
            burst429Rate: flags.burst429Rate,
            latencyMs: flags.latencyMs,
            resetRate: flags.resetRate,
            truncateRate: flags.truncateRate,
            pageDriftRate: flags.pageDriftRate,
          }).filter(([, v]) => v !== undefined),
        ),
      });
      if (!parsed.success) {
        console.error(`Invalid sandbox options:\n${z.prettifyError(parsed.error)}`);
        process.exit(2);
      }
      // Loaded when it runs: the server (fastify) and the data generator are not every command's.
      const { startSandbox } = await import('../../sandbox/index');
      const sandbox = await startSandbox(parsed.data);
      const { apiUrl, oauthUrl, clientId, clientSecret, redirectUris, workspaces, controlUrl } = sandbox.urls;
      console.log(
        JSON.stringify({ apiUrl, oauthUrl, clientId, clientSecret, redirectUris, workspaces, controlUrl }),
      );
      const stop = () => {
        sandbox.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
