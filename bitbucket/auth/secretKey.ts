// The 32-byte key that encrypts OAuth tokens at rest. It comes from BBETL_SECRET_KEY, or from a
// key file in the data directory that is generated on first use. Error messages describe the
// value (its length) but never echo it: it is the one secret that unlocks all the others. The
// checks of the key's text are in lib/secretKeyText.ts (the configuration uses them too).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createFileExclusive } from '../../lib/files';
import { decodeSecretKey, SECRET_KEY_BYTES, secretKeyProblem } from '../../lib/secretKeyText';

export interface SecretKey {
  key: Buffer;
  source: 'env' | 'file';
  /** The key file, when the key came from one. */
  path?: string;
  /** True when this call generated the key file (the caller should say where it is). */
  created: boolean;
}

export const SECRET_KEY_FILE = 'secret.key';

function readKeyFile(path: string): Buffer {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(
      `${path} is accessible by group or others (mode ${mode.toString(8).padStart(4, '0')}); ` +
        `it holds the key to every stored token: run chmod 600 ${path}`,
    );
  }
  const key = decodeSecretKey(readFileSync(path, 'utf8').trim());
  if (!key)
    throw new Error(
      `${path} does not hold a 32-byte key (base64 or hex); restore it or set BBETL_SECRET_KEY`,
    );
  return key;
}

/** Writes a fresh key; when another process created one first, theirs is used. */
function createKeyFile(dataDir: string, path: string): boolean {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return createFileExclusive(path, `${randomBytes(SECRET_KEY_BYTES).toString('base64')}\n`, {
    mode: 0o600,
    tempTag: String(process.pid),
  });
}

export function loadSecretKey(options: { secretKey?: string; dataDir: string }): SecretKey {
  if (options.secretKey !== undefined && options.secretKey !== '') {
    const key = decodeSecretKey(options.secretKey.trim());
    if (!key) throw new Error(secretKeyProblem(options.secretKey));
    return { key, source: 'env', created: false };
  }
  const path = join(options.dataDir, SECRET_KEY_FILE);
  const created = !existsSync(path) && createKeyFile(options.dataDir, path);
  return { key: readKeyFile(path), source: 'file', path, created };
}
