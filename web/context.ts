// What every route module of the web app gets: its dependencies, the account store, the cookie
// policy and the derived keys.
import type { WebAccountStore } from '../warehouse/webAccounts';
import type { CookiePolicy } from './auth/sessions';
import type { WebDeps } from './deps';

export interface WebContext {
  deps: WebDeps;
  accounts: WebAccountStore;
  cookies: CookiePolicy;
  connectionId: string;
  inviteKey: Buffer;
  now(): Date;
}
