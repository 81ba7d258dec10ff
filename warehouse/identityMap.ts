// etl_meta.identity_map: commit author e-mail addresses mapped by hand to an account uuid. The
// transforms read it (int_identity_map); this module only keeps the rows. Addresses are stored
// lower-cased, as the transforms compare them.
import type { WarehouseEngine } from './engine';
import { toDate } from './jsonValues';

export interface IdentityMapping {
  authorEmail: string;
  userUuid: string;
  mappedAt: Date;
}

const EMAIL = /^[^\s<>@]+@[^\s<>@]+$/;

/** Maps (or re-maps) an address to a user; throws on an address or uuid that cannot be one. */
export async function mapIdentity(db: WarehouseEngine, email: string, userUuid: string, at = new Date()) {
  const address = email.trim().toLowerCase();
  if (!EMAIL.test(address)) throw new Error(`"${email}" is not an e-mail address (write it as name@host)`);
  if (!/^\{[0-9a-zA-Z-]+\}$/.test(userUuid.trim()))
    throw new Error(`"${userUuid}" is not a Bitbucket account uuid (write it with braces: {1234abcd-…})`);
  const table = db.table('etl_meta', 'identity_map');
  const sql =
    db.dialect === 'postgres'
      ? `insert into ${table} as m (author_email, user_uuid, mapped_at) values ($1, $2, $3)
         on conflict (author_email) do update set user_uuid = excluded.user_uuid, mapped_at = excluded.mapped_at`
      : `merge ${table} m using (select $1 as author_email) s on m.author_email = s.author_email
         when matched then update set user_uuid = $2, mapped_at = $3
         when not matched then insert (author_email, user_uuid, mapped_at) values ($1, $2, $3)`;
  await db.query(sql, [address, userUuid.trim(), at]);
}

/** Removes an address's mapping; false when there was none. */
export async function unmapIdentity(db: WarehouseEngine, email: string): Promise<boolean> {
  const table = db.table('etl_meta', 'identity_map');
  const address = email.trim().toLowerCase();
  const before = await db.query(`select 1 as found from ${table} where author_email = $1`, [address]);
  await db.query(`delete from ${table} where author_email = $1`, [address]);
  return before.length > 0;
}

export async function listIdentityMappings(db: WarehouseEngine): Promise<IdentityMapping[]> {
  const rows = await db.query<{ author_email: string; user_uuid: string; mapped_at: unknown }>(
    `select author_email, user_uuid, mapped_at from ${db.table('etl_meta', 'identity_map')} order by author_email`,
  );
  return rows.map((r) => ({
    authorEmail: r.author_email,
    userUuid: r.user_uuid,
    mappedAt: toDate(r.mapped_at) as Date,
  }));
}
