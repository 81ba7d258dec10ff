// `bbetl user add|list`: the web app's users. A new user without --password-stdin gets a
// generated password, printed once.
import { randomBytes } from 'node:crypto';
import { text } from 'node:stream/consumers';
import type { Command } from 'commander';
import { formatTable } from '../../lib/table';
import { WebAccountStore } from '../../warehouse/webAccounts';
import { addUser, ROLES, type Role, UserInputError } from '../../web/auth/users';
import { UsageError } from './options';
import { withWarehouse } from './warehouseCommand';

interface AddFlags {
  role: string;
  passwordStdin?: boolean;
}

async function add(username: string, flags: AddFlags): Promise<void> {
  if (!ROLES.includes(flags.role as Role)) {
    throw new UsageError(`--role must be one of: ${ROLES.join(', ')} (got "${flags.role}")`);
  }
  const generated = flags.passwordStdin ? undefined : randomBytes(18).toString('base64url');
  // One line from stdin; a trailing newline (echo, a file) is not part of the password.
  const password = generated ?? (await text(process.stdin)).replace(/\r?\n$/, '');
  await withWarehouse(async (db) => {
    let created: boolean;
    try {
      created = await addUser(db, username, password, flags.role as Role);
    } catch (err) {
      if (err instanceof UserInputError) throw new UsageError(err.message);
      throw err;
    }
    console.log(`${created ? 'created' : 'updated'} ${flags.role} ${username}`);
    if (generated) console.log(`password: ${generated}\n(shown once; set your own with --password-stdin)`);
  });
}

export function registerUserCommand(program: Command): void {
  const user = program.command('user').description("the web app's users (admins connect Bitbucket)");
  user
    .command('add <username>')
    .description('create a user, or reset the password and role of an existing one')
    .option('--role <role>', `${ROLES.join(' or ')}`, 'member')
    .option('--password-stdin', 'read the password from stdin (default: generate one and print it once)')
    .action((username: string, flags: AddFlags) => add(username, flags));
  user
    .command('list')
    .description('list the users and their roles')
    .action(() =>
      withWarehouse(async (db) => {
        const users = await new WebAccountStore(db).listUsers();
        if (users.length === 0)
          console.log('no users yet (create one with: bbetl user add <name> --role admin)');
        else
          console.log(
            formatTable([
              ['user', 'role', 'created'],
              ...users.map((u) => [
                u.username,
                u.role,
                u.createdAt.toISOString().slice(0, 16).replace('T', ' '),
              ]),
            ]),
          );
      }),
    );
}
