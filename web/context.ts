// What every route module of the web app gets: its dependencies, the account store, the audit
// log, the sign-in throttle, the cookie policy and the derived keys.
import type { AuditEventStore } from '../warehouse/auditEvents';
import type { WebAccountStore } from '../warehouse/webAccounts';
import type { CookiePolicy } from './auth/sessions';
import type { SignInThrottle } from './auth/signInThrottle';
import type { WebDeps } from './deps';

export interface WebContext {
  deps: WebDeps;
  accounts: WebAccountStore;
  audit: AuditEventStore;
  signIns: SignInThrottle;
  cookies: CookiePolicy;
  connectionId: string;
  inviteKey: Buffer;
  now(): Date;
}
