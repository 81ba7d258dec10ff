// The sandbox's HTML pages: login, consent and errors. Everything from the request is escaped.
const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} | Bitbucket (sandbox)</title>
<style>body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0}main{max-width:420px;margin:64px auto;background:#fff;padding:32px;border-radius:6px;box-shadow:0 1px 3px #0003}
h1{font-size:20px}label{display:block;margin:12px 0 4px}input[type=text],input[type=password]{width:100%;padding:8px;box-sizing:border-box}
button{margin-top:16px;margin-right:8px;padding:8px 16px;border:0;border-radius:3px;background:#0052cc;color:#fff;font-size:14px}button.secondary{background:#dfe1e6;color:#172b4d}
.hint{color:#6b778c;font-size:12px}.error{color:#bf2600}li{margin:4px 0}</style></head>
<body><main>${body}</main></body></html>`;
}

const hidden = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');

export function loginPage(authorizeQuery: string, users: string[], error?: string): string {
  return page(
    'Log in',
    `<h1>Log in to continue to Bitbucket</h1>${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="login">${hidden({ continue: authorizeQuery })}
<label for="username">Username</label><input id="username" name="username" type="text" autocomplete="username">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password">
<button type="submit">Log in</button></form>
<p class="hint">Sandbox users: ${users.map(escapeHtml).join(', ')} (password: <code>sandbox</code>)</p>`,
  );
}

export interface ConsentDetails {
  consumerName: string;
  userName: string;
  scopes: string[];
  fields: Record<string, string>;
}

const SCOPE_TEXT: Record<string, string> = {
  account: 'Read your account information and workspace membership',
  repository: 'Read your repositories',
  pullrequest: 'Read your pull requests',
  project: 'Read your projects',
  pipeline: 'Read your pipelines, deployments and environments',
  team: 'Read your team membership information',
  email: 'Read your primary email address',
  webhook: 'Read your webhooks',
};

export function consentPage(details: ConsentDetails): string {
  const items = details.scopes
    .map((s) => `<li data-scope="${escapeHtml(s)}">${escapeHtml(SCOPE_TEXT[s] ?? s)}</li>`)
    .join('');
  return page(
    'Grant access',
    `<h1>${escapeHtml(details.consumerName)} is requesting access to your Bitbucket account</h1>
<p>Signed in as <strong>${escapeHtml(details.userName)}</strong>. This app will be able to:</p><ul>${items}</ul>
<form method="post" action="consent">${hidden(details.fields)}
<button type="submit" name="decision" value="grant">Grant access</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny access</button></form>`,
  );
}

export function errorPage(message: string): string {
  return page(
    'Error',
    `<h1>Something went wrong</h1><p class="error" role="alert">${escapeHtml(message)}</p>`,
  );
}
