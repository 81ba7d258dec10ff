// `bbetl identities`: commit authors Bitbucket links to no account, and the hand-made map that
// resolves them (etl_meta.identity_map; the transforms read it on their next run).
import type { Command } from 'commander';
import { formatTable } from '../../lib/table';
import type { WarehouseEngine } from '../../warehouse/engine';
import { listIdentityMappings, mapIdentity, unmapIdentity } from '../../warehouse/identityMap';
import { UsageError } from './options';
import { withWarehouse } from './warehouseCommand';

/** Unresolved commit authors, most commits first; undefined before the transforms first ran. */
async function unresolvedAuthors(db: WarehouseEngine) {
  try {
    return await db.query<{ author_raw: string; commits: number; last_commit_at: unknown }>(
      `select author_raw, count(*) as commits, max(occurred_at) as last_commit_at
       from ${db.table('intermediate', 'int_user_events')}
       where not is_resolved
       group by author_raw
       order by count(*) desc, author_raw
       limit 50`,
    );
  } catch {
    return undefined;
  }
}

export function registerIdentitiesCommand(program: Command): void {
  const identities = program
    .command('identities')
    .description('list unresolved commit authors and the identity map that resolves them')
    .action(() =>
      withWarehouse(async (db) => {
        const mappings = await listIdentityMappings(db);
        console.log(
          mappings.length
            ? formatTable([['address', 'account'], ...mappings.map((m) => [m.authorEmail, m.userUuid])])
            : 'identity map: empty',
        );
        const unresolved = await unresolvedAuthors(db);
        console.log('');
        if (!unresolved)
          console.log('unresolved authors: unknown until the transforms have run (bbetl transform)');
        else if (unresolved.length === 0) console.log('unresolved authors: none');
        else
          console.log(
            formatTable([
              ['unresolved author', 'commits'],
              ...unresolved.map((u) => [u.author_raw ?? '(none)', String(u.commits)]),
            ]),
          );
      }),
    );
  identities
    .command('map <email> <account-uuid>')
    .description('resolve commits from <email> to the Bitbucket account <account-uuid> (next transform run)')
    .action((email: string, uuid: string) =>
      withWarehouse(async (db) => {
        try {
          await mapIdentity(db, email, uuid);
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
        console.log(
          `mapped ${email.trim().toLowerCase()} → ${uuid.trim()}; run \`bbetl transform\` to apply it`,
        );
      }),
    );
  identities
    .command('unmap <email>')
    .description('remove the mapping of <email>')
    .action((email: string) =>
      withWarehouse(async (db) => {
        const removed = await unmapIdentity(db, email);
        console.log(removed ? `unmapped ${email.trim().toLowerCase()}` : `${email} was not mapped`);
      }),
    );
}
