// Raw records and expected rows shared by the seat tests (seatSpend, coverage): workspaces acme
// (WS) and beta (WS2), and gamma and delta listed only, as of the members listing of 2024-08-31.
import {
  type Account,
  commitPayload,
  membership as listedMember,
  permission as listedPermission,
  WS,
} from '../support/rawFixtures';

export const WS2 = '{ws-2}';
export const WS3 = '{ws-3}';
export const WS4 = '{ws-4}';
export const REPO2 = '{repo-2}';
export const LISTED_AT = '2024-08-31T12:00:00.000000Z';
const SLUGS: Record<string, string> = { [WS]: 'acme', [WS2]: 'beta', [WS3]: 'gamma', [WS4]: 'delta' };

/** A workspaces listing record. */
export const workspace = (ws: string) => ({
  key: ws,
  payload: { type: 'workspace_access', workspace: { type: 'workspace_base', uuid: ws, slug: SLUGS[ws] } },
});
export const membership = (ws: string, user: Account) => listedMember(ws, user, SLUGS[ws]);
export const permission = (ws: string, user: Account, addedOn?: string) =>
  listedPermission(ws, user, addedOn, SLUGS[ws]);
/** A commit linked to the user's account. */
export const commit = (repo: string, hash: string, date: string, user: Account) => ({
  key: `${repo}:${hash}`,
  parentKey: repo,
  updatedOn: date,
  payload: commitPayload(hash, date, `${user.display_name} <${user.nickname}@example.com>`, user),
});
/** A member of a group of acme. */
export const groupMember = (slug: string, name: string, user: Account) => ({
  key: `${WS}:${slug}:${user.uuid}`,
  parentKey: `${WS}:${slug}`,
  updatedOn: LISTED_AT,
  payload: { group: { name, slug, permission: 'read' }, user, workspace: { uuid: WS, slug: 'acme' } },
});

/** A row of fct_seat_spend_monthly. */
export const spendMonth = (
  ws: string,
  start: string,
  [paid, active, idle]: Array<number | null>,
  price: number | null,
  currency: string | null,
  spend: number | null,
  idleSpend: number | null,
) => ({
  workspace_uuid: ws,
  month_start: start,
  paid_seats: paid,
  active_seats: active,
  idle_seats: idle,
  seat_price: price,
  currency,
  spend,
  idle_seat_spend: idleSpend,
});
