// Authenticated encryption of secrets at rest: AES-256-GCM with a fresh 96-bit IV per message.
// Format: v1.<iv>.<tag>.<ciphertext>, each part base64url. The version prefix lets the format
// change later without guessing what an old value is.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Opening failed: wrong key, tampered or truncated data. Never carries the plaintext. */
export class SealError extends Error {
  override name = 'SealError';
}

function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new SealError(`the encryption key must be 32 bytes, not ${key.length}`);
}

export function seal(key: Buffer, plaintext: string): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString('base64url'));
  return [VERSION, ...parts].join('.');
}

export function open(key: Buffer, sealed: string): string {
  checkKey(key);
  const [version, iv, tag, ciphertext, ...rest] = sealed.split('.');
  if (
    version !== VERSION ||
    iv === undefined ||
    tag === undefined ||
    ciphertext === undefined ||
    rest.length
  ) {
    throw new SealError('sealed value is malformed (expected v1.<iv>.<tag>.<ciphertext>)');
  }
  const ivBytes = Buffer.from(iv, 'base64url');
  const tagBytes = Buffer.from(tag, 'base64url');
  if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) {
    throw new SealError('sealed value is malformed (bad IV or tag length)');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tagBytes);
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new SealError(
      'cannot decrypt a sealed secret: the key is not the one it was sealed with (BBETL_SECRET_KEY or the key file changed) or the data was altered',
    );
  }
}
