import type { Migration } from '../migrate';

// Who did what to the web app's accounts and connection: sign-ins (failed, throttled, succeeded),
// invites, connects and reconnects. Failed sign-ins are also what the sign-in throttle counts, so
// a lockout holds across restarts and across several web app instances on one warehouse.
export const auditEvents: Migration = {
  id: '013_audit_events',
  postgres: (db) => [
    `create table ${db.table('etl_meta', 'audit_events')} (
      event_id text primary key,
      occurred_at timestamptz not null,
      actor text,
      client_address text,
      action text not null,
      connection_id text,
      detail text
    )`,
    `create index on ${db.table('etl_meta', 'audit_events')} (actor, occurred_at)`,
    `create index on ${db.table('etl_meta', 'audit_events')} (client_address, occurred_at)`,
  ],
  bigquery: (db) => [
    `create table if not exists ${db.table('etl_meta', 'audit_events')} (
      event_id string not null,
      occurred_at timestamp not null,
      actor string,
      client_address string,
      action string not null,
      connection_id string,
      detail string
    )`,
  ],
};
