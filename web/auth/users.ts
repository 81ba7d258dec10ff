// App users: roles, and adding or updating one (`bbetl user add`).
import type { WarehouseEngine } from '../../warehouse/engine';
import { WebAccountStore } from '../../warehouse/webAccounts';

export const ROLES = ['admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

export interface WebUser {
  username: string;
  role: Role;
}

export class UserInputError extends Error {
  override name = 'UserInputError';
}

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** Creates the user or resets its password and role; true when it was created. */
export async function addUser(
  db: WarehouseEngine,
  username: string,
  password: string,
  role: Role,
): Promise<boolean> {
  if (!USERNAME.test(username))
    throw new UserInputError(
      `"${username}" is not a valid user name: 1-64 letters, digits, and . _ @ - (starting with a letter or digit)`,
    );
  if (!ROLES.includes(role)) throw new UserInputError(`role must be one of: ${ROLES.join(', ')}`);
  // Loaded here: importing it hashes a password (DUMMY_HASH), which every `bbetl` start would pay.
  const { hashPassword, passwordProblem } = await import('./passwords');
  const problem = passwordProblem(password);
  if (problem) throw new UserInputError(problem);
  return new WebAccountStore(db).upsertUser(username, await hashPassword(password), role);
}

export function toRole(value: string): Role {
  // A role written by an older or newer version is read as the least privileged one.
  return value === 'admin' ? 'admin' : 'member';
}
