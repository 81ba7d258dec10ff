import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import { apiGet, clientCredentialsToken, control } from '../support/sandbox';

describe('sandbox fault injection', () => {
  let sb: Sandbox;
  let token: string;
  beforeAll(async () => {
    sb = await startSandbox({ scale: 'tiny', seed: 8 });
    token = await clientCredentialsToken(sb);
  });
  afterAll(() => sb?.close());

  async function outcome(path: string): Promise<string> {
    try {
      const res = await fetch(`${sb.urls.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
      const text = await res.text();
      if (res.status !== 200) return String(res.status);
      try {
        JSON.parse(text);
        return 'ok';
      } catch {
        return 'truncated';
      }
    } catch {
      return 'reset';
    }
  }

  async function tally(n: number, path = '/repositories/acme/api/commits?pagelen=50') {
    const counts: Record<string, number> = {};
    for (let i = 0; i < n; i += 1) {
      const o = await outcome(path);
      counts[o] = (counts[o] ?? 0) + 1;
    }
    return counts;
  }

  it('injects 5xx, resets and truncated bodies at the configured rates, and nothing when off', async () => {
    expect(await tally(30)).toEqual({ ok: 30 });
    await control(sb, 'PUT', '/faults', { errorRate: 0.2, resetRate: 0.1, truncateRate: 0.2 });
    const counts = await tally(200);
    await control(sb, 'PUT', '/faults', { errorRate: 0, resetRate: 0, truncateRate: 0 });
    const fiveXX = (counts['500'] ?? 0) + (counts['502'] ?? 0) + (counts['503'] ?? 0);
    expect(fiveXX).toBeGreaterThan(15);
    expect(counts.reset).toBeGreaterThan(5);
    expect(counts.truncated).toBeGreaterThan(10);
    expect(counts.ok).toBeGreaterThan(80);
    const stats = (await control(sb, 'GET', '/stats')).json;
    expect(stats.faultsInjected.reset).toBe(counts.reset);
  });

  it('sends 429 bursts of the configured length', async () => {
    await control(sb, 'PUT', '/faults', { burst429Rate: 1, burst429Length: 3 });
    const seq = [await outcome('/user'), await outcome('/user'), await outcome('/user')];
    await control(sb, 'PUT', '/faults', { burst429Rate: 0 });
    expect(seq).toEqual(['429', '429', '429']);
    expect(await outcome('/user')).toBe('ok');
  });

  it('page drift moves the clock between page fetches, so new records appear at the head', async () => {
    const before = (await control(sb, 'GET', '/state')).json.now;
    await control(sb, 'PUT', '/faults', { pageDriftRate: 1, pageDriftSeconds: 6 * 3600 });
    await outcome('/repositories/acme/api/pipelines?page=2');
    await control(sb, 'PUT', '/faults', { pageDriftRate: 0 });
    const after = (await control(sb, 'GET', '/state')).json.now;
    expect(Date.parse(after) - Date.parse(before)).toBe(6 * 3600 * 1000);
  });

  it('childCountsZeroRate: a share of pull requests reports 0 comments and 0 tasks, in the list and the single GET', async () => {
    const repo = '/repositories/acme/worker';
    const counts = async () => {
      const page = await apiGet(
        sb,
        token,
        `${repo}/pullrequests?state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED&pagelen=50`,
      );
      return new Map<number, string>(
        page.json.values.map((pr: any) => [pr.id, `${pr.comment_count}/${pr.task_count}`]),
      );
    };
    const honest = await counts();
    const withChildren = [...honest].filter(([, c]) => c !== '0/0').map(([id]) => id);
    expect(withChildren.length).toBeGreaterThan(10);

    await control(sb, 'PUT', '/faults', { childCountsZeroRate: 0.5 });
    const lying = await counts();
    const zeroed = withChildren.filter((id) => lying.get(id) === '0/0');
    expect(zeroed.length).toBeGreaterThan(2);
    expect(zeroed.length).toBeLessThan(withChildren.length);
    for (const [id, c] of lying) if (!zeroed.includes(id)) expect(c).toBe(honest.get(id));
    // The same pull requests lie on every request, the single GET included, while their lists are not empty.
    expect(await counts()).toEqual(lying);
    for (const id of zeroed) {
      const single = (await apiGet(sb, token, `${repo}/pullrequests/${id}`)).json;
      expect([single.comment_count, single.task_count]).toEqual([0, 0]);
      const comments = (await apiGet(sb, token, `${repo}/pullrequests/${id}/comments?pagelen=100`)).json;
      const tasks = (await apiGet(sb, token, `${repo}/pullrequests/${id}/tasks?pagelen=100`)).json;
      expect(comments.values.filter((c: any) => !c.deleted).length + tasks.values.length).toBeGreaterThan(0);
    }
    expect((await control(sb, 'GET', '/stats')).json.faultsInjected.childCountsZero).toBeGreaterThan(0);

    await control(sb, 'PUT', '/faults', { childCountsZeroRate: 1 });
    const all = await counts();
    await control(sb, 'PUT', '/faults', { childCountsZeroRate: 0 });
    expect(withChildren.every((id) => all.get(id) === '0/0')).toBe(true);
    expect(await counts()).toEqual(honest);
  });

  it('rejects malformed control requests with a clear 400', async () => {
    const bad = await control(sb, 'PUT', '/faults', { errorRate: 3 });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toContain('errorRate');
    const unknown = await control(sb, 'PUT', '/faults', { explode: true });
    expect(unknown.status).toBe(400);
  });
});

describe('bbetl sandbox (CLI)', () => {
  it('prints one JSON line with the URLs and client, then serves until SIGTERM', async () => {
    const bin = new URL('../../scripts/bbetl.mjs', import.meta.url).pathname;
    const child = spawn('node', [bin, 'sandbox', '--scale', 'tiny', '--seed', '3', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const info = JSON.parse(line);
    expect(Object.keys(info).sort()).toEqual(
      ['apiUrl', 'clientId', 'clientSecret', 'controlUrl', 'oauthUrl', 'redirectUris', 'workspaces'].sort(),
    );
    expect(info.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/2\.0$/);
    expect(info.workspaces).toEqual(['acme']);
    const state = await (await fetch(`${info.controlUrl}/state`)).json();
    expect(state).toMatchObject({ seed: 3, scale: 'tiny' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
