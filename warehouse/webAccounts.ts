// etl_meta.app_users, web_sessions and invites: the rows behind the web app's sign-in and invite
// links. Hashing and signing happen in web/; this module only keeps what it is given. Single-use
// steps are one guarded UPDATE, with a nonce read back on BigQuery (no RETURNING there), as in
// connections.ts.
import { randomUUID } from 'node:crypto';
import type { WarehouseEngine } from './engine';
import { toDate } from './jsonValues';

export interface AppUserRow {
  username: string;
  passwordHash: string;
  role: string;
  createdAt: Date;
}

export interface InviteRow {
  inviteId: string;
  connectionId: string;
  createdBy: string;
  expiresAt: Date;
  usedAt: Date | null;
}

export type InviteConsumeOutcome = 'ok' | 'unknown' | 'used' | 'expired';

export class WebAccountStore {
  private readonly users: string;
  private readonly sessions: string;
  private readonly invites: string;

  constructor(private readonly db: WarehouseEngine) {
    this.users = db.table('etl_meta', 'app_users');
    this.sessions = db.table('etl_meta', 'web_sessions');
    this.invites = db.table('etl_meta', 'invites');
  }

  /** Creates the user, or replaces its password and role; true when it was created. */
  async upsertUser(username: string, passwordHash: string, role: string, now = new Date()): Promise<boolean> {
    const existed = (await this.getUser(username)) !== undefined;
    if (existed) {
      await this.db.query(`update ${this.users} set password_hash = $2, role = $3 where username = $1`, [
        username,
        passwordHash,
        role,
      ]);
    } else {
      await this.db.query(
        `insert into ${this.users} (username, password_hash, role, created_at) values ($1, $2, $3, $4)`,
        [username, passwordHash, role, now],
      );
    }
    return !existed;
  }

  async getUser(username: string): Promise<AppUserRow | undefined> {
    const [row] = await this.db.query(
      `select username, password_hash, role, created_at from ${this.users} where username = $1`,
      [username],
    );
    return row
      ? {
          username: String(row.username),
          passwordHash: String(row.password_hash),
          role: String(row.role),
          createdAt: toDate(row.created_at) as Date,
        }
      : undefined;
  }

  async listUsers(): Promise<Array<Omit<AppUserRow, 'passwordHash'>>> {
    const rows = await this.db.query(
      `select username, role, created_at from ${this.users} order by username`,
    );
    return rows.map((r) => ({
      username: String(r.username),
      role: String(r.role),
      createdAt: toDate(r.created_at) as Date,
    }));
  }

  async createSession(
    sessionHash: string,
    username: string,
    expiresAt: Date,
    now = new Date(),
  ): Promise<void> {
    await this.db.query(
      `insert into ${this.sessions} (session_hash, username, created_at, expires_at) values ($1, $2, $3, $4)`,
      [sessionHash, username, now, expiresAt],
    );
  }

  /** The user of a live session (joined, so a deleted user's sessions open nothing). */
  async sessionUser(
    sessionHash: string,
    now = new Date(),
  ): Promise<{ username: string; role: string } | undefined> {
    const [row] = await this.db.query(
      `select u.username, u.role from ${this.sessions} s join ${this.users} u on u.username = s.username
       where s.session_hash = $1 and s.expires_at > $2`,
      [sessionHash, now],
    );
    return row ? { username: String(row.username), role: String(row.role) } : undefined;
  }

  async deleteSession(sessionHash: string): Promise<void> {
    await this.db.query(`delete from ${this.sessions} where session_hash = $1`, [sessionHash]);
  }

  async insertInvite(invite: Omit<InviteRow, 'usedAt'>, now = new Date()): Promise<void> {
    await this.db.query(
      `insert into ${this.invites} (invite_id, connection_id, created_by, created_at, expires_at)
       values ($1, $2, $3, $4, $5)`,
      [invite.inviteId, invite.connectionId, invite.createdBy, now, invite.expiresAt],
    );
  }

  async getInvite(inviteId: string): Promise<InviteRow | undefined> {
    const [row] = await this.db.query(
      `select invite_id, connection_id, created_by, expires_at, used_at from ${this.invites} where invite_id = $1`,
      [inviteId],
    );
    return row
      ? {
          inviteId: String(row.invite_id),
          connectionId: String(row.connection_id),
          createdBy: String(row.created_by),
          expiresAt: toDate(row.expires_at) as Date,
          usedAt: toDate(row.used_at),
        }
      : undefined;
  }

  /** Marks the invite used if it is unused and unexpired; of concurrent callers exactly one gets 'ok'. */
  async consumeInvite(inviteId: string, now = new Date()): Promise<InviteConsumeOutcome> {
    const nonce = randomUUID();
    await this.db.query(
      `update ${this.invites} set used_at = $2, used_by = $3
       where invite_id = $1 and used_at is null and expires_at > $2`,
      [inviteId, now, nonce],
    );
    const [row] = await this.db.query(`select used_at, used_by from ${this.invites} where invite_id = $1`, [
      inviteId,
    ]);
    if (!row) return 'unknown';
    if (row.used_by === nonce) return 'ok';
    return row.used_at === null ? 'expired' : 'used';
  }
}
