import type { Migration } from '../migrate';

// The web app's own accounts: app users (password hashes only), browser sessions (ids stored as
// hashes, so a leaked table opens no session) and single-use invite links for a Bitbucket admin.
export const webAccounts: Migration = {
  id: '007_web_accounts',
  postgres: (db) => [
    `create table ${db.table('etl_meta', 'app_users')} (
      username text primary key,
      password_hash text not null,
      role text not null,
      created_at timestamptz not null default now()
    )`,
    `create table ${db.table('etl_meta', 'web_sessions')} (
      session_hash text primary key,
      username text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null
    )`,
    `create table ${db.table('etl_meta', 'invites')} (
      invite_id text primary key,
      connection_id text not null,
      created_by text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz,
      used_by text
    )`,
  ],
  bigquery: (db) => [
    `create table if not exists ${db.table('etl_meta', 'app_users')} (
      username string not null,
      password_hash string not null,
      role string not null,
      created_at timestamp not null
    )`,
    `create table if not exists ${db.table('etl_meta', 'web_sessions')} (
      session_hash string not null,
      username string not null,
      created_at timestamp not null,
      expires_at timestamp not null
    )`,
    `create table if not exists ${db.table('etl_meta', 'invites')} (
      invite_id string not null,
      connection_id string not null,
      created_by string not null,
      created_at timestamp not null,
      expires_at timestamp not null,
      used_at timestamp,
      used_by string
    )`,
  ],
};
