// `bbetl identities`: the hand-made map of commit author addresses to accounts, as a user runs it
// (child processes on the embedded warehouse in a temporary data dir).
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bbetl, cliDataDir } from './run';

describe('bbetl identities', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    dataDir = cliDataDir('bbetl-cli-identities-');
    const { WAREHOUSE, PGLITE_DIR, DATABASE_URL, ...inherited } = process.env;
    env = { ...inherited, BBETL_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  });
  afterAll(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('maps, lists, re-maps and unmaps an address; says when the transforms have not run yet', async () => {
    const mapped = await bbetl(['identities', 'map', 'Ada@Example.COM', '{u-ada}'], env);
    expect(mapped.code).toBe(0);
    expect(mapped.stdout).toContain('mapped ada@example.com → {u-ada}');
    expect((await bbetl(['identities', 'map', 'ada@example.com', '{u-lovelace}'], env)).code).toBe(0);

    const listed = await bbetl(['identities'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/ada@example\.com\s+\{u-lovelace\}/);
    expect(listed.stdout).not.toContain('{u-ada}\n');
    expect(listed.stdout).toContain('unknown until the transforms have run');

    const unmapped = await bbetl(['identities', 'unmap', 'ADA@example.com'], env);
    expect(unmapped.stdout).toContain('unmapped ada@example.com');
    expect((await bbetl(['identities'], env)).stdout).toContain('identity map: empty');
  }, 120_000);

  it('refuses an address or account that cannot be one, saying what to write', async () => {
    const badEmail = await bbetl(['identities', 'map', 'not-an-address', '{u-ada}'], env);
    expect(badEmail.code).toBe(2);
    expect(badEmail.stderr).toContain('is not an e-mail address (write it as name@host)');
    const badUuid = await bbetl(['identities', 'map', 'ada@example.com', 'ada'], env);
    expect(badUuid.code).toBe(2);
    expect(badUuid.stderr).toContain('is not a Bitbucket account uuid');
  }, 120_000);
});
