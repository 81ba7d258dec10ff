// `bbetl worker --metrics-port`, WORKER_METRICS_PORT and METRICS_TOKEN: a bad value stops the
// command with a message saying what to give instead, before it connects to anything (no Temporal
// needed), and a port in use says so and how to choose another. (A value out of range:
// workerConcurrency.test.ts, with the other flags.)
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { redactedConfig } from '../../scripts/commands/config';
import { loadConfig } from '../../temporal.config';
import { problemsOf } from '../support/configProblems';
import { bbetl } from './run';

describe('bbetl worker --metrics-port', () => {
  it('says a port in use is in use, and how to choose another', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '0.0.0.0', resolve));
    const { port } = taken.address() as { port: number };
    try {
      const run = await bbetl(['worker', '--metrics-port', String(port)], process.env);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `error: metrics port ${port} is in use by another program: choose another with --metrics-port or WORKER_METRICS_PORT, or stop what listens there`,
      );
    } finally {
      taken.close();
    }
  });
});

describe('metrics configuration', () => {
  it('checks WORKER_METRICS_PORT as a port', () => {
    for (const value of ['abc', '0', '70000'])
      expect(problemsOf({ WORKER_METRICS_PORT: value })).toEqual([
        `WORKER_METRICS_PORT="${value}" is invalid; expected a port number 1-65535 (unset it to serve no metrics)`,
      ]);
    expect(loadConfig({ WORKER_METRICS_PORT: '9464' }).metrics.workerPort).toBe(9464);
    expect(loadConfig({}).metrics).toEqual({ workerPort: undefined, bearerToken: undefined });
  });

  it('wants a METRICS_TOKEN that cannot be guessed or break a header, and never shows it', () => {
    for (const value of ['short', 'has a space in it somewhere'])
      expect(problemsOf({ METRICS_TOKEN: value })).toEqual([
        'METRICS_TOKEN=(hidden) is invalid; expected at least 16 characters without spaces, e.g. the output of `openssl rand -hex 32` (unset it to serve no /metrics)',
      ]);
    const token = 'a-long-enough-token-0123456789';
    expect(JSON.stringify(redactedConfig(loadConfig({ METRICS_TOKEN: token })))).not.toContain(token);
  });
});
