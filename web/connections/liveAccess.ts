// The card checks the grant against Bitbucket (GET /user) before saying "Connected", at most once
// per accessCheckTtlMs: a grant revoked on Bitbucket's side fails the token refresh, the vault
// marks the connection reconnect_required, and the card then says so.
import { currentAccount } from '../../bitbucket/account';
import { BitbucketError } from '../../bitbucket/errors';
import type { WebContext } from '../context';

const DEFAULT_TTL_MS = 60_000;

export type AccessCheck = { ok: true } | { ok: false; problem: string };

const lastChecked = new WeakMap<WebContext, Map<string, number>>();

export async function checkAccess(ctx: WebContext, connectionId: string): Promise<AccessCheck> {
  const ttl = ctx.deps.accessCheckTtlMs ?? DEFAULT_TTL_MS;
  const seen = lastChecked.get(ctx) ?? new Map<string, number>();
  lastChecked.set(ctx, seen);
  const at = seen.get(connectionId);
  if (at !== undefined && Date.now() - at < ttl) return { ok: true };
  try {
    await currentAccount(await ctx.deps.services.clientFor(connectionId));
    seen.set(connectionId, Date.now());
    return { ok: true };
  } catch (err) {
    // AUTH: the vault has already recorded reconnect_required; the caller re-reads the status.
    if (err instanceof BitbucketError && err.kind === 'AUTH') return { ok: true };
    const reason = err instanceof Error ? err.message : String(err);
    return { ok: false, problem: `could not reach Bitbucket to check the access: ${reason}` };
  }
}
