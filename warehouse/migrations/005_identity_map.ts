import type { Migration } from '../migrate';

// Commit author e-mail addresses Bitbucket does not link to an account, mapped to the account by
// hand (`bbetl identities map`); the transforms resolve commit authors through it.
export const identityMap: Migration = {
  id: '005_identity_map',
  postgres: (db) => [
    `create table ${db.table('etl_meta', 'identity_map')} (
      author_email text primary key,
      user_uuid text not null,
      mapped_at timestamptz not null default now()
    )`,
  ],
  bigquery: (db) => [
    `create table ${db.table('etl_meta', 'identity_map')} (
      author_email string not null,
      user_uuid string not null,
      mapped_at timestamp not null
    )`,
  ],
};
