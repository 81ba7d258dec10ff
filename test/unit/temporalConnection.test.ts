// Reaching a Temporal cluster: the TLS, mTLS and API key settings are checked at start (each
// mistake named with its fix), and turned into the options both SDK connections take.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { redactedConfig } from '../../scripts/commands/config';
import { ENV_DOCS, loadConfig, temporalConnectionOptions } from '../../temporal.config';
import { problemsOf } from '../support/configProblems';

const dir = mkdtempSync(join(tmpdir(), 'bbetl-tls-'));
const pem = (name: string) => {
  const path = join(dir, name);
  writeFileSync(path, `-----BEGIN ${name}-----\n${name}\n-----END ${name}-----\n`);
  return path;
};
const CERT = pem('client.pem');
const KEY = pem('client.key');
const CA = pem('ca.pem');
const ADDRESS = { TEMPORAL_ADDRESS: 'temporal.example.com:7233' };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const optionsFor = (env: Record<string, string>) => temporalConnectionOptions(loadConfig(env).temporal);

describe('Temporal connection settings', () => {
  it('default to plain TCP without an API key, and to 8 activities per worker', () => {
    const config = loadConfig(ADDRESS);
    expect(config.temporal.tls).toBeUndefined();
    expect(config.temporal.apiKey).toBeUndefined();
    expect(config.worker.concurrency).toBe(8);
    expect(temporalConnectionOptions(config.temporal)).toEqual({});
    expect(temporalConnectionOptions(loadConfig({}).temporal)).toEqual({});
  });

  it('an API key implies TLS', () => {
    expect(optionsFor({ ...ADDRESS, TEMPORAL_API_KEY: 'key-123' })).toEqual({ tls: {}, apiKey: 'key-123' });
  });

  it('mTLS reads the certificate and key, a CA and a server name when given', () => {
    const options = optionsFor({
      ...ADDRESS,
      TEMPORAL_TLS_CERT: CERT,
      TEMPORAL_TLS_KEY: KEY,
      TEMPORAL_TLS_CA: CA,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    expect(options).toEqual({
      tls: {
        clientCertPair: { crt: readFileSync(CERT), key: readFileSync(KEY) },
        serverRootCACertificate: readFileSync(CA),
        serverNameOverride: 'temporal.internal',
      },
    });
  });

  it('a CA or a server name alone implies TLS; TEMPORAL_TLS turns it on or off by itself', () => {
    expect(optionsFor({ ...ADDRESS, TEMPORAL_TLS_CA: CA })).toEqual({
      tls: { serverRootCACertificate: readFileSync(CA) },
    });
    expect(optionsFor({ ...ADDRESS, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' })).toEqual({
      tls: { serverNameOverride: 'temporal.internal' },
    });
    expect(optionsFor({ ...ADDRESS, TEMPORAL_TLS: 'true' })).toEqual({ tls: {} });
    expect(optionsFor({ ...ADDRESS, TEMPORAL_TLS: 'false' })).toEqual({});
  });

  it('names a bad value and what to write instead, never echoing an API key', () => {
    expect(problemsOf({ ...ADDRESS, TEMPORAL_TLS: 'yes' })).toEqual([
      'TEMPORAL_TLS="yes" is not allowed; use one of: true, false',
    ]);
    const [apiKey] = problemsOf({ ...ADDRESS, TEMPORAL_API_KEY: 'secret-part1 part2' });
    expect(apiKey).toBe(
      'TEMPORAL_API_KEY=(hidden) is invalid; expected the key on one line, without spaces (Temporal Cloud: Settings → API keys)',
    );
    expect(problemsOf({ ...ADDRESS, TEMPORAL_TLS_SERVER_NAME: 'https://temporal.internal:7233' })).toEqual([
      'TEMPORAL_TLS_SERVER_NAME="https://temporal.internal:7233" is invalid; expected a host name, e.g. temporal.example.com (no scheme, no port)',
    ]);
  });

  it('refuses them without TEMPORAL_ADDRESS: the embedded dev server takes no TLS', () => {
    expect(problemsOf({ TEMPORAL_API_KEY: 'key-123' })).toEqual([
      'TEMPORAL_API_KEY set without TEMPORAL_ADDRESS: TLS and API keys are for a Temporal cluster, the embedded dev server takes none; set TEMPORAL_ADDRESS or unset it',
    ]);
    expect(problemsOf({ TEMPORAL_TLS: 'true', TEMPORAL_TLS_CA: CA })).toEqual([
      'TEMPORAL_TLS, TEMPORAL_TLS_CA set without TEMPORAL_ADDRESS: TLS and API keys are for a Temporal cluster, the embedded dev server takes none; set TEMPORAL_ADDRESS or unset them',
    ]);
  });

  it('needs the client certificate and its key together', () => {
    const together =
      'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together (mTLS needs the certificate and its key)';
    expect(problemsOf({ ...ADDRESS, TEMPORAL_TLS_CERT: CERT })).toEqual([together]);
    expect(problemsOf({ ...ADDRESS, TEMPORAL_TLS_KEY: KEY })).toEqual([together]);
  });

  it('checks at start that every PEM file can be read', () => {
    const missing = join(dir, 'missing.pem');
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    expect(problemsOf({ ...ADDRESS, TEMPORAL_TLS_CERT: missing, TEMPORAL_TLS_KEY: folder })).toEqual([
      `TEMPORAL_TLS_CERT: cannot read ${missing} (no such file); point it at the client certificate's PEM file`,
      `TEMPORAL_TLS_KEY: cannot read ${folder} (not a file); point it at the PEM file of the client certificate's private key`,
    ]);
    expect(problemsOf({ ...ADDRESS, TEMPORAL_TLS_CA: missing })).toEqual([
      `TEMPORAL_TLS_CA: cannot read ${missing} (no such file); point it at the PEM file of the CA that signed the server's certificate`,
    ]);
  });

  it('refuses TEMPORAL_TLS=false next to a setting that needs TLS', () => {
    expect(problemsOf({ ...ADDRESS, TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'key-123' })).toEqual([
      'TEMPORAL_TLS=false, but TEMPORAL_API_KEY needs TLS; unset TEMPORAL_TLS or set it to true',
    ]);
  });

  it('bbetl config prints no API key', () => {
    const printed = JSON.stringify(redactedConfig(loadConfig({ ...ADDRESS, TEMPORAL_API_KEY: 'key-123' })));
    expect(printed).not.toContain('key-123');
    expect(printed).toContain('"apiKey":"[redacted]"');
  });
});

describe('WORKER_CONCURRENCY', () => {
  it('takes a whole number from 1 to 200', () => {
    expect(loadConfig({ WORKER_CONCURRENCY: '1' }).worker.concurrency).toBe(1);
    expect(loadConfig({ WORKER_CONCURRENCY: '200' }).worker.concurrency).toBe(200);
    for (const bad of ['0', '201', '2.5', 'abc']) {
      expect(problemsOf({ WORKER_CONCURRENCY: bad })).toEqual([
        `WORKER_CONCURRENCY="${bad}" is invalid; expected a whole number of activities, 1 to 200`,
      ]);
    }
  });
});

it('the README section "Running at scale" names only variables bbetl documents', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.split('\n## Running at scale\n')[1]?.split('\n## ')[0] ?? '';
  const named = new Set(section.match(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9]\b/g));
  expect(named.size).toBeGreaterThan(10);
  expect([...named].filter((name) => !(name in ENV_DOCS))).toEqual([]);
});
