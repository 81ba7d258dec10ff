// `bbetl config` prints the configuration "safe to paste into an issue": no secret in it, the
// database password included; what helps a reader (user, host, database) stays.
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { redactedConfig } from '../../scripts/commands/config';
import { loadConfig } from '../../temporal.config';

it('bbetl config prints no client secret, secret key or database password', () => {
  const secrets = {
    BITBUCKET_CLIENT_SECRET: `secret-${randomBytes(8).toString('hex')}`,
    BBETL_SECRET_KEY: randomBytes(32).toString('base64'),
    password: `pw-${randomBytes(8).toString('hex')}`,
  };
  const printed = JSON.stringify(
    redactedConfig(
      loadConfig({
        WAREHOUSE: 'postgres',
        DATABASE_URL: `postgres://bbetl:${secrets.password}@db.example:5432/warehouse`,
        BITBUCKET_CLIENT_ID: 'consumer-key',
        BITBUCKET_CLIENT_SECRET: secrets.BITBUCKET_CLIENT_SECRET,
        BBETL_SECRET_KEY: secrets.BBETL_SECRET_KEY,
      }),
    ),
  );
  for (const secret of Object.values(secrets)) expect(printed).not.toContain(secret);
  expect(printed).toContain('postgres://bbetl:redacted@db.example:5432/warehouse');
  expect(printed).toContain('consumer-key');
});
