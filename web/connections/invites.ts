// Invite links for the organisation's Bitbucket admin: signed (HMAC, so a changed link is refused
// before any lookup), single use and valid for 7 days (both enforced by etl_meta.invites).
import { randomBytes } from 'node:crypto';
import type { InviteRow } from '../../warehouse/webAccounts';
import type { WebContext } from '../context';
import { HttpError } from '../errors';
import { signToken, verifyToken } from '../keys';

export const INVITE_DAYS = 7;

export interface CreatedInvite {
  url: string;
  expiresAt: Date;
}

/** An invite to connect `connectionId` (a new connection's id, or one to reconnect). */
export async function createInvite(
  ctx: WebContext,
  createdBy: string,
  connectionId: string,
): Promise<CreatedInvite> {
  const inviteId = randomBytes(16).toString('base64url');
  const expiresAt = new Date(ctx.now().getTime() + INVITE_DAYS * 86_400_000);
  await ctx.accounts.insertInvite({ inviteId, connectionId, createdBy, expiresAt }, ctx.now());
  return { url: `${ctx.deps.config.publicUrl}/invite/${inviteToken(ctx, inviteId)}`, expiresAt };
}

/** The invite a link stands for, if it can still be used; otherwise an HttpError saying why. */
export async function usableInvite(ctx: WebContext, token: string): Promise<InviteRow> {
  const payload = verifyToken(ctx.inviteKey, token);
  const id = typeof payload?.id === 'string' ? payload.id : undefined;
  const invite = id ? await ctx.accounts.getInvite(id) : undefined;
  if (!invite)
    throw new HttpError(
      400,
      'This invite link is not valid: it was changed or cut short. Ask for a new one.',
    );
  if (invite.usedAt)
    throw new HttpError(410, 'This invite link has been used already. Ask for a new one if needed.');
  if (invite.expiresAt <= ctx.now())
    throw new HttpError(
      410,
      `This invite link expired on ${invite.expiresAt.toISOString().slice(0, 10)}. Ask for a new one.`,
    );
  return invite;
}

/** The link token of an invite (signing is deterministic, so this is the token that was handed out). */
export const inviteToken = (ctx: WebContext, inviteId: string) => signToken(ctx.inviteKey, { id: inviteId });
