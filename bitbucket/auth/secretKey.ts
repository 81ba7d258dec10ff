// The 32-byte key that encrypts OAuth tokens at rest. It comes from BBETL_SECRET_KEY, or from a
// key file in the data directory that is generated on first use. Error messages describe the
// value (its length) but never echo it: it is the one secret that unlocks all the others.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createFileExclusive } from '../../lib/files';

export interface SecretKey {
  key: Buffer;
  source: 'env' | 'file';
  /** The key file, when the key came from one. */
  path?: string;
  /** True when this call generated the key file (the caller should say where it is). */
  created: boolean;
}

const KEY_BYTES = 32;
export const SECRET_KEY_FILE = 'secret.key';

/** Decodes 64 hex digits or base64/base64url of exactly 32 bytes; undefined for anything else. */
function decodeKey(text: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return undefined;
  const key = Buffer.from(text, 'base64');
  return key.length === KEY_BYTES ? key : undefined;
}

function readKeyFile(path: string): Buffer {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(
      `${path} is accessible by group or others (mode ${mode.toString(8).padStart(4, '0')}); ` +
        `it holds the key to every stored token: run chmod 600 ${path}`,
    );
  }
  const key = decodeKey(readFileSync(path, 'utf8').trim());
  if (!key)
    throw new Error(
      `${path} does not hold a 32-byte key (base64 or hex); restore it or set BBETL_SECRET_KEY`,
    );
  return key;
}

/** Writes a fresh key; when another process created one first, theirs is used. */
function createKeyFile(dataDir: string, path: string): boolean {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return createFileExclusive(path, `${randomBytes(KEY_BYTES).toString('base64')}\n`, {
    mode: 0o600,
    tempTag: String(process.pid),
  });
}

/** True when `text` is a key BBETL_SECRET_KEY accepts (the configuration checks it at start). */
export function isSecretKeyText(text: string): boolean {
  return decodeKey(text.trim()) !== undefined;
}

/** What is wrong with a BBETL_SECRET_KEY value, without echoing it. */
export function secretKeyProblem(text: string): string {
  return (
    `BBETL_SECRET_KEY must be exactly 32 bytes written as base64 (44 characters) or hex (64 characters); ` +
    `the value given has ${text.trim().length} characters. Generate one with: openssl rand -base64 32`
  );
}

export function loadSecretKey(options: { secretKey?: string; dataDir: string }): SecretKey {
  if (options.secretKey !== undefined && options.secretKey !== '') {
    const key = decodeKey(options.secretKey.trim());
    if (!key) throw new Error(secretKeyProblem(options.secretKey));
    return { key, source: 'env', created: false };
  }
  const path = join(options.dataDir, SECRET_KEY_FILE);
  const created = !existsSync(path) && createKeyFile(options.dataDir, path);
  return { key: readKeyFile(path), source: 'file', path, created };
}
