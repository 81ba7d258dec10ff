// Small helpers for tests that talk to the sandbox over HTTP, as a client would.
import type { Sandbox } from '../../sandbox/index';

export function basicAuth(sb: Sandbox): string {
  return `Basic ${Buffer.from(`${sb.urls.clientId}:${sb.urls.clientSecret}`).toString('base64')}`;
}

export async function tokenRequest(sb: Sandbox, form: Record<string, string>, authorization = basicAuth(sb)) {
  const res = await fetch(`${sb.urls.oauthUrl}/access_token`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function clientCredentialsToken(sb: Sandbox): Promise<string> {
  const { status, body } = await tokenRequest(sb, { grant_type: 'client_credentials' });
  if (status !== 200) throw new Error(`token request failed: ${status} ${JSON.stringify(body)}`);
  return body.access_token as string;
}

export async function apiGet(sb: Sandbox, token: string, path: string, init: RequestInit = {}) {
  const url = path.startsWith('http') ? path : `${sb.urls.apiUrl}${path}`;
  const res = await fetch(url, {
    ...init,
    headers: { authorization: `Bearer ${token}` },
    redirect: 'manual',
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Follows `next` links to the end and returns every value. */
export async function fetchAll(sb: Sandbox, token: string, path: string): Promise<any[]> {
  const values: any[] = [];
  let next: string | undefined = path;
  while (next) {
    const page = await apiGet(sb, token, next);
    if (page.status !== 200) throw new Error(`${next}: ${page.status} ${page.text}`);
    values.push(...page.json.values);
    next = page.json.next;
  }
  return values;
}

export async function control(sb: Sandbox, method: string, path: string, body?: unknown) {
  const res = await fetch(`${sb.urls.controlUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
}
