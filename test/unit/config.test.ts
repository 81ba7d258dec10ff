import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { envDocsTable } from '../../scripts/commands/config';
import { configuredTransformVars, ENV_DOCS, loadConfig } from '../../temporal.config';
import { problemsOf } from '../support/configProblems';

const run = promisify(execFile);

describe('configuration', () => {
  it('defaults to the embedded stack: PGlite under ./.bbetl, embedded Temporal', () => {
    const config = loadConfig({});
    expect(config.warehouse).toEqual({ engine: 'pglite', dir: expect.stringMatching(/\.bbetl\/pglite$/) });
    expect(config.temporal.address).toBeUndefined();
    expect(config.bitbucket.apiUrl).toBe('https://api.bitbucket.org/2.0');
    expect(config.bitbucket.rateLimitPerHour).toBe(1000);
  });

  it('names the variable and the allowed values for a wrong enum value', () => {
    expect(problemsOf({ WAREHOUSE: 'oracle' })).toEqual([
      'WAREHOUSE="oracle" is not allowed; use one of: pglite, postgres, bigquery',
    ]);
  });

  it('reports every problem at once, each naming its variable', () => {
    const problems = problemsOf({
      PORT: '99999',
      TEMPORAL_ADDRESS: 'http://x',
      BITBUCKET_API_URL: 'ftp://x',
    });
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/^PORT="99999" is invalid; expected a port number/m);
    expect(problems.join('\n')).toMatch(/^TEMPORAL_ADDRESS="http:\/\/x" is invalid; expected host:port/m);
    expect(problems.join('\n')).toMatch(
      /^BITBUCKET_API_URL="ftp:\/\/x" is invalid; expected an http\(s\) URL/m,
    );
  });

  it('requires what the chosen warehouse needs', () => {
    expect(problemsOf({ WAREHOUSE: 'postgres' })[0]).toMatch(
      /^DATABASE_URL is required when WAREHOUSE=postgres/,
    );
    expect(problemsOf({ WAREHOUSE: 'bigquery' })[0]).toMatch(/^BIGQUERY_PROJECT is required/);
    expect(loadConfig({ WAREHOUSE: 'postgres', DATABASE_URL: 'postgres://u:p@h:5432/d' }).warehouse).toEqual({
      engine: 'postgres',
      url: 'postgres://u:p@h:5432/d',
    });
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ WAREHOUSE: '', PORT: '' }).warehouse.engine).toBe('pglite');
  });

  it('checks BBETL_SECRET_KEY at start and never echoes it, nor a database password', () => {
    const [problem] = problemsOf({ BBETL_SECRET_KEY: 'hunter2-is-not-a-key' });
    expect(problem).toMatch(/^BBETL_SECRET_KEY must be exactly 32 bytes .* has 20 characters/);
    expect(problem).not.toContain('hunter2');
    expect(problemsOf({ DATABASE_URL: 'mysql://bbetl:hunter2@db/warehouse' })).toEqual([
      'DATABASE_URL="mysql://bbetl:redacted@db/warehouse" is invalid; expected a URL like postgres://user:password@host:5432/db',
    ]);
  });

  it('keeps the OAuth client id and secret together', () => {
    expect(problemsOf({ BITBUCKET_CLIENT_ID: 'abc' })).toEqual([
      'BITBUCKET_CLIENT_ID and BITBUCKET_CLIENT_SECRET must be set together',
    ]);
  });

  it('checks at start that a prebuilt workflow bundle exists, and says how to make one', () => {
    expect(problemsOf({ TEMPORAL_WORKFLOW_BUNDLE: '/nonexistent/workflows.js' })).toEqual([
      'TEMPORAL_WORKFLOW_BUNDLE: no file at /nonexistent/workflows.js (write one with `bbetl worker --write-bundle /nonexistent/workflows.js`, or unset it to bundle at start)',
    ]);
    const bundle = fileURLToPath(import.meta.url);
    expect(loadConfig({ TEMPORAL_WORKFLOW_BUNDLE: bundle }).temporal.workflowBundle).toBe(bundle);
  });

  it('reads BBETL_STREAMS as changes to the default streams, naming unknown ones and the streams there are', () => {
    expect(loadConfig({}).streams).toEqual([]);
    expect(loadConfig({ BBETL_STREAMS: '+pipeline_steps,-deployments' }).streams).toEqual([
      { stream: 'pipeline_steps', on: true },
      { stream: 'deployments', on: false },
    ]);
    const [unknown] = problemsOf({ BBETL_STREAMS: '+pipeline_step' });
    expect(unknown).toMatch(
      /^BBETL_STREAMS="\+pipeline_step": unknown stream "pipeline_step"; the streams are: workspaces, .*pipeline_steps/,
    );
    expect(problemsOf({ BBETL_STREAMS: '-pipelines,+pipeline_steps' })).toEqual([
      'BBETL_STREAMS: pipeline_steps is read under pipelines, which is off; turn them on together or off together',
    ]);
  });

  it('reads SEAT_PRICE as an amount and an ISO 4217 currency, checked as `bbetl workspace price` checks them', () => {
    expect(loadConfig({}).transforms.seatPrice).toBeUndefined();
    expect(loadConfig({ SEAT_PRICE: ' 19.50  eur ' }).transforms.seatPrice).toEqual({
      amount: '19.5',
      currency: 'EUR',
    });
    const fix = 'set the price of a seat per month and its currency, e.g. SEAT_PRICE="19 USD", or unset it';
    expect(problemsOf({ SEAT_PRICE: '19 dollars' })).toEqual([
      `SEAT_PRICE="19 dollars": currency "DOLLARS" is not an ISO 4217 code (give three letters, e.g. USD, EUR, GBP); ${fix}`,
    ]);
    expect(problemsOf({ SEAT_PRICE: '-5 USD' })).toEqual([
      `SEAT_PRICE="-5 USD": amount "-5" is not a price (give a number of at least 0 with at most 6 decimals, e.g. 19.50); ${fix}`,
    ]);
    expect(problemsOf({ SEAT_PRICE: '19' })).toEqual([
      `SEAT_PRICE="19": "19" is not a price and its currency (give the amount, a space and an ISO 4217 code, e.g. "19 USD"); ${fix}`,
    ]);
    // the transforms read it as their seat_price run variable, and stop on a bad one alike
    expect(configuredTransformVars(loadConfig({ SEAT_PRICE: '19 usd' }).transforms)).toEqual({
      seat_price: '19 USD',
    });
    expect(configuredTransformVars(loadConfig({ SEAT_PRICE: '' }).transforms)).toEqual({});
  });

  it('the README documents every variable exactly as the code does', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(envDocsTable());
    expect(Object.keys(ENV_DOCS).length).toBeGreaterThan(15);
  });
});

describe('bbetl CLI with a bad environment', () => {
  it('stops with exit code 2 and a message naming the variable', async () => {
    const bin = new URL('../../scripts/bbetl.mjs', import.meta.url).pathname;
    const failure = await run('node', [bin, 'config'], { env: { ...process.env, WAREHOUSE: 'oracle' } }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain(
      'WAREHOUSE="oracle" is not allowed; use one of: pglite, postgres, bigquery',
    );
  });

  it('rejects an unknown flag', async () => {
    const bin = new URL('../../scripts/bbetl.mjs', import.meta.url).pathname;
    const failure = await run('node', [bin, 'config', '--bogus']).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain("unknown option '--bogus'");
  });
});
