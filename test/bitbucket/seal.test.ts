import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { open, SealError, seal } from '../../bitbucket/auth/seal';
import { loadSecretKey } from '../../bitbucket/auth/secretKey';

describe('seal / open (AES-256-GCM)', () => {
  const key = randomBytes(32);
  const secret = JSON.stringify({ accessToken: 'at-0123456789', refreshToken: 'rt-abcdefghij' });

  it('round-trips, in the v1.<iv>.<tag>.<ciphertext> format, with a fresh IV each time', () => {
    const a = seal(key, secret);
    const b = seal(key, secret);
    expect(a).toMatch(/^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('at-0123456789');
    expect(open(key, a)).toBe(secret);
    expect(open(key, b)).toBe(secret);
  });

  it('refuses tampered data and a wrong key, without revealing the plaintext', () => {
    const sealed = seal(key, secret);
    const [v, iv, tag, ct] = sealed.split('.') as [string, string, string, string];
    const flipped = Buffer.from(ct, 'base64url');
    flipped[0] = (flipped[0] as number) ^ 1;
    const attempts = [
      () => open(key, [v, iv, tag, flipped.toString('base64url')].join('.')),
      () => open(key, [v, iv, Buffer.alloc(16).toString('base64url'), ct].join('.')),
      () => open(randomBytes(32), sealed),
      () => open(key, sealed.slice(0, -4)),
      () => open(key, `v2.${iv}.${tag}.${ct}`),
      () => open(key, 'not sealed at all'),
    ];
    for (const attempt of attempts) {
      let error: unknown;
      try {
        attempt();
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(SealError);
      expect(String((error as Error).message)).not.toContain('at-0123456789');
    }
    expect(attempts[2]).toThrow(/key is not the one it was sealed with .* or the data was altered/);
  });
});

describe('loadSecretKey', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const freshDir = () => {
    dir = mkdtempSync(join(tmpdir(), 'bbetl-key-'));
    return dir;
  };

  it('generates a 0600 key file in a 0700 directory on first use, then reads the same key back', () => {
    const dataDir = join(freshDir(), 'data');
    const first = loadSecretKey({ dataDir });
    expect(first).toMatchObject({ source: 'file', created: true, path: join(dataDir, 'secret.key') });
    expect(first.key.length).toBe(32);
    expect(statSync(first.path as string).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const second = loadSecretKey({ dataDir });
    expect(second.created).toBe(false);
    expect(second.key.equals(first.key)).toBe(true);
  });

  it('refuses a key file that group or others can read, saying how to fix it', () => {
    const dataDir = freshDir();
    const { path } = loadSecretKey({ dataDir });
    chmodSync(path as string, 0o644);
    expect(() => loadSecretKey({ dataDir })).toThrow(
      /accessible by group or others \(mode 0644\).*chmod 600/,
    );
  });

  it('takes BBETL_SECRET_KEY as base64 or hex of exactly 32 bytes, in preference to the file', () => {
    const dataDir = freshDir();
    const bytes = randomBytes(32);
    for (const secretKey of [bytes.toString('base64'), bytes.toString('hex'), bytes.toString('base64url')]) {
      const loaded = loadSecretKey({ secretKey, dataDir });
      expect(loaded).toMatchObject({ source: 'env', created: false });
      expect(loaded.key.equals(bytes)).toBe(true);
    }
    expect(() => statSync(join(dataDir, 'secret.key'))).toThrow();
  });

  it('rejects a wrong BBETL_SECRET_KEY with a message naming it, never echoing the value', () => {
    const dataDir = freshDir();
    for (const secretKey of ['hunter2-hunter2', randomBytes(16).toString('base64'), 'ab'.repeat(33)]) {
      let message = '';
      try {
        loadSecretKey({ secretKey, dataDir });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/^BBETL_SECRET_KEY must be exactly 32 bytes .*base64.*hex/);
      expect(message).not.toContain(secretKey);
    }
  });

  it('rejects a key file that does not hold a key', () => {
    const dataDir = freshDir();
    writeFileSync(join(dataDir, 'secret.key'), 'garbage\n', { mode: 0o600 });
    expect(() => loadSecretKey({ dataDir })).toThrow(/does not hold a 32-byte key/);
  });
});
