// The stores the OAuth side needs (bitbucket/auth: the token vault, the OAuth state check) and
// warehouse/connections.ts implements. Declared here, not in bitbucket/auth, because warehouse/
// may not import bitbucket/ and bitbucket/ may not import warehouse/: both sides import these
// types, neither knows the other.

export const CONNECTION_STATUSES = [
  'not_connected',
  'connected',
  'reconnect_required',
  'revoked',
  // an admin disconnected it: tokens deleted, syncs stopped, on purpose
  'disconnected',
] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

/** A connection as the store keeps it: secrets are opaque ciphertext, the status plain text. */
export interface StoredConnection {
  id: string;
  status: string;
  statusReason: string | null;
  statusChangedAt: Date;
  secretsSealed: string | null;
  accessExpiresAt: Date | null;
  /** Bumped by every write of the secrets; the compare-and-swap token. */
  tokenVersion: number;
  scopes: string[];
  grantType: string | null;
  account: Record<string, unknown> | null;
  workspaces: string[];
}

export interface StoredGrant {
  provider: string;
  /** The status the connection gets with this grant. */
  status: ConnectionStatus;
  secretsSealed: string;
  accessExpiresAt: Date;
  scopes: string[];
  grantType: string;
  /** Left out: the connection keeps what it had (a Reconnect need not repeat them). */
  account?: Record<string, unknown>;
  workspaces?: string[];
}

export interface ConnectionStore {
  get(id: string): Promise<StoredConnection | undefined>;
  /** Every connection ever stored (disconnected ones too), oldest first. */
  list(): Promise<StoredConnection[]>;
  /** Creates or updates the connection with new secrets and `grant.status`, bumps token_version, appends an event. */
  saveGrant(id: string, grant: StoredGrant, reason: string): Promise<void>;
  /** Writes the secrets only if token_version still equals `expectedVersion` (and bumps it); true if it did. */
  compareAndSwapSecrets(
    id: string,
    expectedVersion: number,
    secretsSealed: string,
    accessExpiresAt: Date,
  ): Promise<boolean>;
  /**
   * Sets the status and appends a connection_events row. With `expectedVersion`, only while
   * token_version still equals it; with `expectedStatus`, only from that status; `clearSecrets`
   * drops the tokens and bumps token_version. True if the connection now has `status`.
   */
  setStatus(
    id: string,
    status: ConnectionStatus,
    reason: string,
    options?: { expectedVersion?: number; expectedStatus?: ConnectionStatus; clearSecrets?: boolean },
  ): Promise<boolean>;
}

export type StateConsumeResult =
  | { outcome: 'ok'; purpose: string }
  | { outcome: 'unknown' | 'used' | 'expired' | 'mismatch' };

/** OAuth `state` values, stored by hash (see bitbucket/auth/oauthState.ts). */
export interface OAuthStateStore {
  insert(stateHash: string, purpose: string, bindingHash: string, expiresAt: Date): Promise<void>;
  /**
   * Marks the state used if it exists, is unused, unexpired and bound to `bindingHash`, in one
   * atomic step: of concurrent consumers of the same state exactly one gets 'ok'. Otherwise says
   * why, without using it up (a wrong session cannot burn another session's state).
   */
  consume(stateHash: string, bindingHash: string, now: Date): Promise<StateConsumeResult>;
}
