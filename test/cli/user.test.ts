// `bbetl user add|list` as a user runs it (child processes on the embedded warehouse).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../warehouse/engine';
import { WebAccountStore } from '../../warehouse/webAccounts';
import { verifyPassword } from '../../web/auth/passwords';
import { bbetl, cliDataDir } from './run';

describe('bbetl user', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    dataDir = cliDataDir('bbetl-cli-user-');
    const { WAREHOUSE, PGLITE_DIR, DATABASE_URL, ...inherited } = process.env;
    env = { ...inherited, BBETL_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  });
  afterAll(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('adds users with a generated or given password, resets one, and lists them; stores only Argon2id hashes', async () => {
    const generated = await bbetl(['user', 'add', 'ada', '--role', 'admin'], env);
    expect(generated.code).toBe(0);
    expect(generated.stdout).toContain('created admin ada');
    const password = /password: (\S+)/.exec(generated.stdout)?.[1] as string;
    expect(password.length).toBeGreaterThanOrEqual(20);

    const given = await bbetl(['user', 'add', 'max', '--password-stdin'], env, 'a long passphrase\n');
    expect(given.code).toBe(0);
    expect(given.stdout).toBe('created member max\n');
    const reset = await bbetl(
      ['user', 'add', 'max', '--role', 'admin', '--password-stdin'],
      env,
      'another passphrase',
    );
    expect(reset.stdout).toBe('updated admin max\n');

    const listed = await bbetl(['user', 'list'], env);
    expect(listed.stdout).toMatch(/ada\s+admin/);
    expect(listed.stdout).toMatch(/max\s+admin/);

    const db = await openWarehouse({ engine: 'pglite', dir: join(dataDir, 'pglite') });
    try {
      const accounts = new WebAccountStore(db);
      const ada = await accounts.getUser('ada');
      expect(ada?.passwordHash).toMatch(/^\$argon2id\$/);
      expect(await verifyPassword(ada?.passwordHash as string, password)).toBe(true);
      const max = await accounts.getUser('max');
      expect(await verifyPassword(max?.passwordHash as string, 'another passphrase')).toBe(true);
      expect(await verifyPassword(max?.passwordHash as string, 'a long passphrase')).toBe(false);
    } finally {
      await db.close();
    }
  }, 120_000);

  it('refuses a bad role, a short password and a bad user name, saying what to fix', async () => {
    const role = await bbetl(['user', 'add', 'eve', '--role', 'owner'], env);
    expect(role.code).toBe(2);
    expect(role.stderr).toContain('--role must be one of: admin, member (got "owner")');
    const short = await bbetl(['user', 'add', 'eve', '--password-stdin'], env, 'short');
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('the password must have at least 10 characters');
    const name = await bbetl(['user', 'add', '<eve>'], env);
    expect(name.code).toBe(2);
    expect(name.stderr).toContain('is not a valid user name');
  }, 120_000);
});
