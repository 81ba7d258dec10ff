// Sign-in that resists guessing. SIGN_IN_MAX_FAILURES failed sign-ins to one user name within
// SIGN_IN_WINDOW_MINUTES lock it for SIGN_IN_LOCKOUT_MINUTES; SIGN_IN_MAX_FAILURES_PER_ADDRESS
// failures from one client address (any user names) lock that address out the same way. While
// locked, every sign-in answers 429, a correct password too, and is recorded as throttled.
//
// The counts come from etl_meta.audit_events, not from memory: a lockout then survives a restart
// and holds across every web app instance on the warehouse, and the failures stay on record for
// admins. @fastify/rate-limit (in memory, per instance; see app.ts) only caps the raw rate of
// sign-in requests per address, so a flood cannot grow the audit table or the Argon2 work without
// bound; a limit that per-instance counters enforce is good enough for that.
import type { SignInPolicy } from '../../temporal.config';
import type { AuditEvent, AuditEventStore, SignInTrouble } from '../../warehouse/auditEvents';

export interface SignInLock {
  scope: 'account' | 'address';
  until: Date;
}

const MINUTE_MS = 60_000;

/**
 * When the failures (oldest first) lock their user name or address: at the `max`-th failure within
 * `windowMs`, for `lockoutMs`. Failures before a lockout's end do not count toward the next one
 * (only instances racing each other record any).
 */
export function lockEnd(failures: readonly Date[], max: number, windowMs: number, lockoutMs: number) {
  let end: number | undefined;
  let counted: number[] = [];
  for (const failure of failures) {
    const at = failure.getTime();
    if (end !== undefined && at < end) continue;
    counted = counted.filter((t) => t > at - windowMs);
    counted.push(at);
    if (counted.length >= max) {
      end = at + lockoutMs;
      counted = [];
    }
  }
  return end === undefined ? undefined : new Date(end);
}

/** The text a throttled sign-in page shows. */
export function lockMessage(lock: SignInLock, now: Date): string {
  const minutes = Math.max(1, Math.ceil((lock.until.getTime() - now.getTime()) / MINUTE_MS));
  const whose = lock.scope === 'account' ? 'for this account' : 'from your network address';
  return `Too many failed sign-ins ${whose}; try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}

/** Seconds until the lock ends, for the Retry-After header. */
export const retryAfterSeconds = (lock: SignInLock, now: Date) =>
  Math.max(1, Math.ceil((lock.until.getTime() - now.getTime()) / 1000));

/** One sign-in attempt: the history that decides it, and where its outcome is recorded. */
export class SignInAttempt {
  constructor(
    private readonly throttle: SignInThrottle,
    private readonly history: AuditEvent[],
    readonly username: string,
    readonly clientAddress: string,
  ) {}

  /** The lock in force now, if any (the later one when both the account and the address are locked). */
  lock(): SignInLock | undefined {
    return this.throttle.lockOf(this.history, this.username, this.clientAddress);
  }

  /** Records a wrong user name or password; returns the lock this failure brought, if it did. */
  async failed(): Promise<SignInLock | undefined> {
    this.history.push(await this.record('sign_in_failed'));
    return this.lock();
  }

  async throttled(lock: SignInLock): Promise<void> {
    await this.record('sign_in_throttled', { scope: lock.scope, until: lock.until.toISOString() });
  }

  async succeeded(): Promise<void> {
    await this.record('sign_in');
  }

  private async record(action: AuditEvent['action'], detail?: Record<string, unknown>): Promise<AuditEvent> {
    const event: AuditEvent = {
      occurredAt: this.throttle.now(),
      action,
      actor: this.username || null,
      clientAddress: this.clientAddress,
      detail,
    };
    await this.throttle.audit.record(event);
    return event;
  }
}

export class SignInThrottle {
  constructor(
    readonly audit: AuditEventStore,
    private readonly policy: SignInPolicy,
    readonly now: () => Date,
  ) {}

  /** The sign-in history that can still lock this user name or address. */
  async attempt(username: string, clientAddress: string): Promise<SignInAttempt> {
    const history = await this.audit.signInHistory(username, clientAddress, this.lookbackStart());
    return new SignInAttempt(this, history, username, clientAddress);
  }

  /** The lock on this user name now, if any (the Connections page's notice). */
  async accountLock(username: string): Promise<SignInLock | undefined> {
    const history = await this.audit.signInHistory(username, '', this.lookbackStart());
    return this.lockOf(history, username, '');
  }

  /** Failed and throttled sign-ins per user name since `since`, each with its lock now. */
  async trouble(since: Date): Promise<Array<SignInTrouble & { lockedUntil?: Date }>> {
    const rows = await this.audit.signInTrouble(since);
    return Promise.all(
      rows.map(async (row) => ({ ...row, lockedUntil: (await this.accountLock(row.actor))?.until })),
    );
  }

  lockOf(history: readonly AuditEvent[], username: string, clientAddress: string): SignInLock | undefined {
    const { maxFailuresPerAccount, maxFailuresPerAddress, windowMinutes, lockoutMinutes } = this.policy;
    const failuresWhere = (match: (e: AuditEvent) => boolean) =>
      history.filter((e) => e.action === 'sign_in_failed' && match(e)).map((e) => e.occurredAt);
    // A successful sign-in clears the account's count (not the address's: signing in to one's own
    // account must not reset the count of guesses at others).
    const lastSignIn = Math.max(
      0,
      ...history
        .filter((e) => e.action === 'sign_in' && e.actor === username)
        .map((e) => e.occurredAt.getTime()),
    );
    const ends: SignInLock[] = [];
    const account = lockEnd(
      failuresWhere((e) => username !== '' && e.actor === username && e.occurredAt.getTime() > lastSignIn),
      maxFailuresPerAccount,
      windowMinutes * MINUTE_MS,
      lockoutMinutes * MINUTE_MS,
    );
    if (account) ends.push({ scope: 'account', until: account });
    const address = lockEnd(
      failuresWhere((e) => clientAddress !== '' && e.clientAddress === clientAddress),
      maxFailuresPerAddress,
      windowMinutes * MINUTE_MS,
      lockoutMinutes * MINUTE_MS,
    );
    if (address) ends.push({ scope: 'address', until: address });
    const now = this.now().getTime();
    return ends
      .filter((l) => l.until.getTime() > now)
      .sort((a, b) => b.until.getTime() - a.until.getTime())[0];
  }

  /** Failures older than a window and a lockout can lock nothing now. */
  private lookbackStart(): Date {
    return new Date(
      this.now().getTime() - (this.policy.windowMinutes + this.policy.lockoutMinutes) * MINUTE_MS,
    );
  }
}
