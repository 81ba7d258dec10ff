// The text of a BBETL_SECRET_KEY value: which texts are a 32-byte key, and what to say when one is
// not. Messages describe the value (its length) but never echo it: it unlocks every stored token.

export const SECRET_KEY_BYTES = 32;

/** Decodes 64 hex digits or base64/base64url of exactly 32 bytes; undefined for anything else. */
export function decodeSecretKey(text: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return undefined;
  const key = Buffer.from(text, 'base64');
  return key.length === SECRET_KEY_BYTES ? key : undefined;
}

/** True when `text` is a key BBETL_SECRET_KEY accepts (the configuration checks it at start). */
export function isSecretKeyText(text: string): boolean {
  return decodeSecretKey(text.trim()) !== undefined;
}

/** What is wrong with a BBETL_SECRET_KEY value, without echoing it. */
export function secretKeyProblem(text: string): string {
  return (
    `BBETL_SECRET_KEY must be exactly 32 bytes written as base64 (44 characters) or hex (64 characters); ` +
    `the value given has ${text.trim().length} characters. Generate one with: openssl rand -base64 32`
  );
}
