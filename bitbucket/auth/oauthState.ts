// OAuth `state` values (CSRF protection for the authorize redirect): random, single-use, expiring,
// and bound to the browser session that started the flow. Only hashes are stored, so a leaked
// table cannot be replayed, and a session id never lands in the warehouse either.
import { createHash, randomBytes } from 'node:crypto';
import type { OAuthStateStore } from '../../lib/connectionStores';

export type StateRejection = 'unknown' | 'replayed' | 'expired' | 'not_bound';

const MESSAGES: Record<StateRejection, string> = {
  unknown: 'the OAuth state is unknown (never issued here, or tampered with)',
  replayed: 'the OAuth state was already used (replayed callback)',
  expired: 'the OAuth state has expired: start the connection again',
  not_bound: 'the OAuth state was issued to another browser session',
};

export class OAuthStateError extends Error {
  override name = 'OAuthStateError';
  constructor(readonly reason: StateRejection) {
    super(MESSAGES[reason]);
  }
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

export async function createState(
  store: OAuthStateStore,
  options: { purpose: string; binding: string; ttlSeconds?: number; now?: Date },
): Promise<string> {
  const state = randomBytes(32).toString('base64url');
  const now = options.now ?? new Date();
  const expiresAt = new Date(now.getTime() + (options.ttlSeconds ?? 600) * 1000);
  await store.insert(sha256(state), options.purpose, sha256(options.binding), expiresAt);
  return state;
}

/** Returns the purpose the state was created for, or throws OAuthStateError. */
export async function consumeState(
  store: OAuthStateStore,
  state: string,
  binding: string,
  now: Date = new Date(),
): Promise<string> {
  const result = await store.consume(sha256(state), sha256(binding), now);
  switch (result.outcome) {
    case 'ok':
      return result.purpose;
    case 'used':
      throw new OAuthStateError('replayed');
    case 'mismatch':
      throw new OAuthStateError('not_bound');
    default:
      throw new OAuthStateError(result.outcome);
  }
}
