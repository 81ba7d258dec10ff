// Passwords are hashed with Argon2id (@node-rs/argon2, OWASP's first choice); only hashes are stored.
import { hash, verify } from '@node-rs/argon2';

export const MIN_PASSWORD_LENGTH = 10;

export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH)
    return `the password must have at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > 1024) return 'the password must have at most 1024 characters';
  return undefined;
}

export const hashPassword = (password: string) => hash(password);

/** False for a wrong password or a malformed hash; never throws on user input. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** Verified against when the user does not exist, so a wrong user name takes as long as a wrong password. */
export const DUMMY_HASH = await hash('bbetl-no-such-user');
