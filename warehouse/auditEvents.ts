// etl_meta.audit_events: an append-only log of what people did to the web app's accounts and
// connection (sign-ins failed, throttled and made; invites; connects and reconnects). The web
// app's sign-in throttle counts failures here, so it needs no table of its own. Missing values go
// in as '' through nullif, since BigQuery cannot type a bare null parameter.
import { randomUUID } from 'node:crypto';
import type { WarehouseEngine } from './engine';
import { storableText, toDate } from './jsonValues';

export const AUDIT_ACTIONS = [
  'sign_in',
  'sign_in_failed',
  'sign_in_throttled',
  'invite',
  'connect',
  'reconnect',
  'disconnect',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEvent {
  occurredAt: Date;
  action: AuditAction;
  /** The user name acting (for a sign-in: the one typed, which may be no account's). */
  actor: string | null;
  clientAddress: string | null;
  connectionId?: string | null;
  detail?: Record<string, unknown> | null;
}

/** Failed and throttled sign-ins of one user name over a period. */
export interface SignInTrouble {
  actor: string;
  failed: number;
  throttled: number;
  lastAt: Date;
}

const toEvent = (r: Record<string, unknown>): AuditEvent => ({
  occurredAt: toDate(r.occurred_at) as Date,
  action: String(r.action) as AuditAction,
  actor: r.actor === null ? null : String(r.actor),
  clientAddress: r.client_address === null ? null : String(r.client_address),
  connectionId: r.connection_id === null ? null : String(r.connection_id),
  detail: typeof r.detail === 'string' ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
});

const COLUMNS = 'occurred_at, action, actor, client_address, connection_id, detail';

export class AuditEventStore {
  private readonly events: string;

  constructor(private readonly db: WarehouseEngine) {
    this.events = db.table('etl_meta', 'audit_events');
  }

  async record(event: AuditEvent): Promise<void> {
    await this.db.query(
      `insert into ${this.events} (event_id, occurred_at, action, actor, client_address, connection_id, detail)
       values ($1, $2, $3, nullif($4, ''), nullif($5, ''), nullif($6, ''), nullif($7, ''))`,
      [
        randomUUID(),
        event.occurredAt,
        event.action,
        storableText(event.actor ?? ''),
        event.clientAddress ?? '',
        event.connectionId ?? '',
        event.detail ? storableText(JSON.stringify(event.detail)) : '',
      ],
    );
  }

  /** Events since `since`, newest first (at most `limit`), optionally of some actions only. */
  async recent(since: Date, options: { actions?: readonly AuditAction[]; limit?: number } = {}) {
    const actions = options.actions ?? AUDIT_ACTIONS;
    const rows = await this.db.query(
      `select ${COLUMNS} from ${this.events}
       where occurred_at > $1 and action in (${actions.map((_, i) => `$${i + 2}`).join(', ')})
       order by occurred_at desc limit ${Math.trunc(options.limit ?? 1000)}`,
      [since, ...actions],
    );
    return rows.map(toEvent);
  }

  /** Sign-ins (failed and made) since `since` by this user name or from this address, oldest first. */
  async signInHistory(actor: string, clientAddress: string, since: Date): Promise<AuditEvent[]> {
    const rows = await this.db.query(
      `select ${COLUMNS} from ${this.events}
       where occurred_at > $1 and action in ('sign_in', 'sign_in_failed')
         and (actor = $2 or client_address = $3)
       order by occurred_at`,
      [since, storableText(actor), clientAddress],
    );
    return rows.map(toEvent);
  }

  /** The user names with failed or throttled sign-ins since `since`, most recent first. */
  async signInTrouble(since: Date, limit = 20): Promise<SignInTrouble[]> {
    const rows = await this.db.query(
      `select actor,
              sum(case when action = 'sign_in_failed' then 1 else 0 end) as failed,
              sum(case when action = 'sign_in_throttled' then 1 else 0 end) as throttled,
              max(occurred_at) as last_at
       from ${this.events}
       where occurred_at > $1 and action in ('sign_in_failed', 'sign_in_throttled') and actor is not null
       group by actor order by last_at desc limit ${Math.trunc(limit)}`,
      [since],
    );
    return rows.map((r) => ({
      actor: String(r.actor),
      failed: Number(r.failed),
      throttled: Number(r.throttled),
      lastAt: toDate(r.last_at) as Date,
    }));
  }
}
