// The connection ledger on every engine: etl_meta.connections (secrets arrive sealed by the caller;
// statuses are plain text to this module), etl_meta.connection_events, and etl_meta.oauth_states.
// The shapes and the store interfaces are lib/connectionStores.ts, so warehouse/ never imports the
// code that gives them meaning.
//
// Atomicity: Postgres and PGlite use a transaction with a row lock, or `update … returning`.
// BigQuery has neither, and its query API here returns no affected-row count, so each change is
// one DML statement guarded by its WHERE clause, and the caller learns whether its statement won
// by reading back a value only it could have written (fresh ciphertext, or a nonce).
import { randomUUID } from 'node:crypto';
import type {
  ConnectionStatus,
  ConnectionStore,
  OAuthStateStore,
  StateConsumeResult,
  StoredConnection,
  StoredGrant,
} from '../lib/connectionStores';
import type { Row, WarehouseEngine } from './engine';
import { toDate } from './jsonValues';

function toConnection(row: Row): StoredConnection {
  return {
    id: String(row.id),
    status: String(row.status),
    statusReason: (row.status_reason as string | null) ?? null,
    statusChangedAt: toDate(row.status_changed_at) as Date,
    secretsSealed: (row.secrets as string | null) ?? null,
    accessExpiresAt: toDate(row.access_expires_at),
    tokenVersion: Number(row.token_version),
    scopes: typeof row.scopes === 'string' ? row.scopes.split(' ').filter(Boolean) : [],
    grantType: (row.grant_type as string | null) ?? null,
    account: (row.account as Record<string, unknown> | null) ?? null,
    workspaces: (row.workspaces as string[] | null) ?? [],
  };
}

const COLUMNS = `id, status, status_reason, status_changed_at, secrets, access_expires_at, token_version,
  scopes, grant_type, account, workspaces`;

export class WarehouseConnectionStore implements ConnectionStore {
  private readonly connections: string;
  private readonly events: string;

  constructor(
    private readonly db: WarehouseEngine,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.connections = db.table('etl_meta', 'connections');
    this.events = db.table('etl_meta', 'connection_events');
  }

  async get(id: string): Promise<StoredConnection | undefined> {
    const [row] = await this.db.query(`select ${COLUMNS} from ${this.connections} where id = $1`, [id]);
    return row ? toConnection(row) : undefined;
  }

  async list(): Promise<StoredConnection[]> {
    const rows = await this.db.query(`select ${COLUMNS} from ${this.connections} order by created_at, id`);
    return rows.map(toConnection);
  }

  async saveGrant(id: string, grant: StoredGrant, reason: string): Promise<void> {
    const pg = this.db.dialect === 'postgres';
    // JSON travels as text; '' stands for "not given" (BigQuery cannot bind an untyped null).
    const json = (p: string) => (pg ? `nullif(${p}, '')::jsonb` : `parse_json(nullif(${p}, ''))`);
    const emptyList = pg ? `'[]'::jsonb` : `parse_json('[]')`;
    const params = [
      id,
      grant.provider,
      grant.status,
      reason,
      this.now(),
      grant.grantType,
      grant.scopes.join(' '),
      grant.account ? JSON.stringify(grant.account) : '',
      grant.workspaces ? JSON.stringify(grant.workspaces) : '',
      grant.secretsSealed,
      grant.accessExpiresAt,
    ];
    const insertValues = `($1, $2, $3, $4, $5, $6, $7, ${json('$8')}, coalesce(${json('$9')}, ${emptyList}), $10, $11, 1, $5, $5)`;
    const updates = `status = $3, status_reason = $4, status_changed_at = $5, grant_type = $6, scopes = $7,
      account = coalesce(${json('$8')}, c.account), workspaces = coalesce(${json('$9')}, c.workspaces),
      secrets = $10, access_expires_at = $11, token_version = c.token_version + 1, updated_at = $5`;
    const columns = `id, provider, status, status_reason, status_changed_at, grant_type, scopes, account,
      workspaces, secrets, access_expires_at, token_version, created_at, updated_at`;
    await this.db.transaction(async (q) => {
      const [before] = await q.query(
        `select status from ${this.connections} where id = $1${pg ? ' for update' : ''}`,
        [id],
      );
      await q.query(
        pg
          ? `insert into ${this.connections} as c (${columns}) values ${insertValues}
             on conflict (id) do update set ${updates}`
          : `merge ${this.connections} c using (select $1 as id) s on c.id = s.id
             when matched then update set ${updates}
             when not matched then insert (${columns}) values ${insertValues}`,
        params,
      );
      await this.appendEvent(q, id, (before?.status as string | undefined) ?? '', grant.status, reason);
    });
  }

  async compareAndSwapSecrets(
    id: string,
    expectedVersion: number,
    secretsSealed: string,
    accessExpiresAt: Date,
  ): Promise<boolean> {
    const pg = this.db.dialect === 'postgres';
    const rows = await this.db.query(
      `update ${this.connections}
       set secrets = $3, access_expires_at = $4, token_version = token_version + 1, updated_at = $5
       where id = $1 and token_version = $2${pg ? ' returning id' : ''}`,
      [id, expectedVersion, secretsSealed, accessExpiresAt, this.now()],
    );
    if (pg) return rows.length === 1;
    // The ciphertext carries a fresh IV, so only our own statement can have written it.
    return (await this.get(id))?.secretsSealed === secretsSealed;
  }

  async setStatus(
    id: string,
    status: ConnectionStatus,
    reason: string,
    options: { expectedVersion?: number; expectedStatus?: ConnectionStatus; clearSecrets?: boolean } = {},
  ): Promise<boolean> {
    const pg = this.db.dialect === 'postgres';
    const { expectedVersion, expectedStatus, clearSecrets = false } = options;
    return this.db.transaction(async (q) => {
      const [row] = await q.query(
        `select status, token_version from ${this.connections} where id = $1${pg ? ' for update' : ''}`,
        [id],
      );
      if (!row) return false;
      const version = Number(row.token_version);
      if (expectedVersion !== undefined && version !== expectedVersion) return false;
      // Idempotent: several workers reporting the same dead grant leave one event.
      if (row.status === status && !clearSecrets) return true;
      if (expectedStatus !== undefined && row.status !== expectedStatus) return false;
      const clear = clearSecrets
        ? ', secrets = null, access_expires_at = null, token_version = token_version + 1'
        : '';
      await q.query(
        `update ${this.connections}
         set status = $3, status_reason = $4, status_changed_at = $5, updated_at = $5${clear}
         where id = $1 and token_version = $2`,
        [id, version, status, reason, this.now()],
      );
      if (!pg) {
        const after = await this.get(id);
        const applied = after?.status === status && after.tokenVersion === version + (clearSecrets ? 1 : 0);
        if (!applied) return false;
      }
      await this.appendEvent(q, id, String(row.status), status, reason);
      return true;
    });
  }

  private async appendEvent(
    q: Pick<WarehouseEngine, 'query'>,
    id: string,
    fromStatus: string,
    toStatus: string,
    reason: string,
  ): Promise<void> {
    await q.query(
      `insert into ${this.events} (connection_id, occurred_at, from_status, to_status, reason)
       values ($1, $2, nullif($3, ''), $4, $5)`,
      [id, this.now(), fromStatus, toStatus, reason],
    );
  }
}

/** Every connection with its status (the metrics: a connection that needs a reconnect). */
export async function connectionStatuses(
  db: WarehouseEngine,
): Promise<Array<{ id: string; status: string }>> {
  const rows = await db.query(`select id, status from ${db.table('etl_meta', 'connections')} order by id`);
  return rows.map((row) => ({ id: String(row.id), status: String(row.status) }));
}

export class WarehouseOAuthStateStore implements OAuthStateStore {
  private readonly states: string;

  constructor(private readonly db: WarehouseEngine) {
    this.states = db.table('etl_meta', 'oauth_states');
  }

  async insert(stateHash: string, purpose: string, bindingHash: string, expiresAt: Date): Promise<void> {
    await this.db.query(
      `insert into ${this.states} (state_hash, purpose, binding, created_at, expires_at)
       values ($1, $2, $3, $4, $5)`,
      [stateHash, purpose, bindingHash, new Date(), expiresAt],
    );
  }

  /** One guarded UPDATE marks the state used; concurrent consumers race on it and one wins. */
  async consume(stateHash: string, bindingHash: string, now: Date): Promise<StateConsumeResult> {
    const pg = this.db.dialect === 'postgres';
    const nonce = randomUUID();
    const won = await this.db.query(
      `update ${this.states} set used_at = $3, used_by = $4
       where state_hash = $1 and binding = $2 and used_at is null and expires_at > $3${pg ? ' returning purpose' : ''}`,
      [stateHash, bindingHash, now, nonce],
    );
    if (won[0]) return { outcome: 'ok', purpose: String(won[0].purpose) };
    const [row] = await this.db.query(
      `select purpose, binding, used_at, used_by from ${this.states} where state_hash = $1`,
      [stateHash],
    );
    if (!row) return { outcome: 'unknown' };
    if (row.used_by === nonce) return { outcome: 'ok', purpose: String(row.purpose) };
    if (row.binding !== bindingHash) return { outcome: 'mismatch' };
    // Bound to this session and our update did not match it: used already, or expired.
    return { outcome: row.used_at === null ? 'expired' : 'used' };
  }
}
