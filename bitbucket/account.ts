// Who a grant belongs to and what it reaches: GET /user and GET /user/workspaces (every page).
import type { BitbucketClient, TokenProvider } from './client';
import { BitbucketError } from './errors';

interface WorkspacePage {
  values: Array<{ workspace: { slug: string } }>;
  next?: string;
}

/** Every workspace the grant reaches, sorted. */
export async function grantedWorkspaces(client: BitbucketClient): Promise<string[]> {
  const slugs: string[] = [];
  let page = await client.get<WorkspacePage>('/user/workspaces', { pagelen: 100 });
  for (;;) {
    slugs.push(...page.values.map((v) => v.workspace.slug));
    if (!page.next) return slugs.sort();
    page = await client.get<WorkspacePage>(page.next);
  }
}

export interface BitbucketAccount {
  uuid: string;
  displayName: string;
  nickname?: string;
}

/** The account the grant acts as; a client-credentials grant acts as the consumer's owner. */
export async function currentAccount(client: BitbucketClient): Promise<BitbucketAccount> {
  const user = await client.get<Record<string, unknown>>('/user');
  if (typeof user.uuid !== 'string')
    throw new BitbucketError('BAD_PAYLOAD', 'Bitbucket answered GET /user without an account uuid');
  return {
    uuid: user.uuid,
    displayName: typeof user.display_name === 'string' ? user.display_name : user.uuid,
    nickname: typeof user.nickname === 'string' ? user.nickname : undefined,
  };
}

/** A client for a token just issued (before it is stored): no refresh possible yet. */
export function tokenSource(accessToken: string): TokenProvider {
  return {
    accessToken: async () => accessToken,
    refreshAfterUnauthorized: async (): Promise<string> => {
      throw new BitbucketError('AUTH', 'Bitbucket rejected the access token it has just issued');
    },
  };
}
