// What replaying real Bitbucket answers taught the sandbox (issue 15, part 3): every pipeline and
// deployment state in realistic shares, optional fields sometimes absent, list paths answered with a
// trailing slash, timestamps in both of Bitbucket's forms, and a ground truth that agrees with it all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareIso, toBbqlUtc } from '../../bitbucket/streams/time';
import { sortOrder } from '../../sandbox/api/bbql';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import { apiGet, clientCredentialsToken, control, fetchAll } from '../support/sandbox';

/** Pull requests and most objects: `2022-08-12T15:00:34.399272+00:00`. */
const OFFSET_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/;
/** Pipelines, steps and deployments: `2023-02-20T08:58:19.14397Z` (0 to 6 fraction digits). */
const ZULU_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/;
const enc = encodeURIComponent;

interface Listed {
  ws: string;
  value: any;
}

/** `COMPLETED/SUCCESSFUL`, `IN_PROGRESS/HALTED`, `PENDING`, `UNDEPLOYED` … as the truth names states. */
function label(state: any): string {
  const detail = state.stage?.name ?? state.result?.name ?? state.status?.name;
  return detail === undefined ? state.name : `${state.name}/${detail}`;
}

function shares(labels: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of labels) out[l] = (out[l] ?? 0) + 1 / labels.length;
  return out;
}

/** A pipeline's or step's state object as the OpenAPI definition shapes it (type and name, a stage or result). */
function expectRunState(kind: 'pipeline' | 'pipeline_step', state: any): void {
  expect(state.type).toBe(`${kind}_state_${String(state.name).toLowerCase()}`);
  if (state.name === 'COMPLETED') {
    expect(state.result.type).toBe(`${kind}_state_completed_${String(state.result.name).toLowerCase()}`);
    expect(state).not.toHaveProperty('stage');
  } else {
    expect(state).not.toHaveProperty('result');
    if (kind === 'pipeline' && state.name === 'IN_PROGRESS')
      expect(state.stage.type).toBe(`pipeline_state_in_progress_${String(state.stage.name).toLowerCase()}`);
    else expect(state).not.toHaveProperty('stage');
  }
}

function expectDeploymentState(state: any): void {
  expect(state.type).toBe(`deployment_state_${String(state.name).toLowerCase()}`);
  if (state.name === 'COMPLETED') {
    expect(state.status.type).toBe(
      `deployment_state_completed_status_${String(state.status.name).toLowerCase()}`,
    );
    expect(state.start_date).toMatch(ZULU_TIME);
    expect(state.completion_date).toMatch(ZULU_TIME);
  } else if (state.name === 'IN_PROGRESS') {
    expect(state.start_date).toMatch(ZULU_TIME);
    expect(state).not.toHaveProperty('status');
  } else {
    expect(state.name).toBe('UNDEPLOYED');
    expect(state.trigger_url).toMatch(/^http/);
    expect(state).not.toHaveProperty('start_date');
  }
}

describe('sandbox: what the replay of real answers taught', () => {
  let sb: Sandbox;
  let token: string;
  /** Every pipeline and deployment the API serves at the starting clock, with its workspace. */
  const pipelines: Listed[] = [];
  const deployments: Listed[] = [];
  const repositories: Array<{ ws: string; slug: string }> = [];

  beforeAll(async () => {
    // Every repository stays simulated, so walking the clock does not regenerate any.
    sb = await startSandbox({ scale: 'small', seed: 7, cachedRepositories: 16, rateLimitPerHour: 1_000_000 });
    token = await clientCredentialsToken(sb);
    for (const ws of sb.urls.workspaces) {
      for (const repo of await fetchAll(sb, token, `/repositories/${ws}?pagelen=100`)) {
        repositories.push({ ws, slug: repo.slug });
        const base = `/repositories/${ws}/${repo.slug}`;
        for (const value of await fetchAll(sb, token, `${base}/pipelines?pagelen=100`))
          pipelines.push({ ws, value });
        for (const value of await fetchAll(sb, token, `${base}/deployments?pagelen=100`))
          deployments.push({ ws, value });
      }
    }
  }, 120_000);
  afterAll(() => sb?.close());

  it('serves every pipeline result, and halted runs, in realistic shares, shaped as the OpenAPI definition says', () => {
    expect(pipelines.length).toBeGreaterThan(2000);
    for (const { value } of pipelines) expectRunState('pipeline', value.state);
    const all = shares(pipelines.map(({ value }) => label(value.state)));
    const completed = pipelines.filter(({ value }) => value.state.name === 'COMPLETED');
    const results = shares(completed.map(({ value }) => value.state.result.name));
    console.info('pipeline states', all);
    // Most runs succeed, about one in ten fails, error, stopped and expired runs are rare.
    expect(results.SUCCESSFUL).toBeGreaterThan(0.75);
    expect(results.FAILED).toBeGreaterThan(0.03);
    expect(results.FAILED).toBeLessThan(0.2);
    for (const rare of ['ERROR', 'STOPPED', 'EXPIRED']) {
      expect(results[rare], rare).toBeGreaterThan(0);
      expect(results[rare], rare).toBeLessThan(0.04);
    }
    // A run halted at a manual step nobody triggered stays IN_PROGRESS: rare, but there at any time.
    expect(all['IN_PROGRESS/HALTED']).toBeGreaterThan(0);
    expect(all['IN_PROGRESS/HALTED']).toBeLessThan(0.03);
  });

  it('serves every deployment state and status in realistic shares', () => {
    for (const { value } of deployments) expectDeploymentState(value.state);
    const all = shares(deployments.map(({ value }) => label(value.state)));
    console.info('deployment states', all);
    expect(all['COMPLETED/SUCCESSFUL']).toBeGreaterThan(0.8);
    for (const rare of ['COMPLETED/FAILED', 'COMPLETED/STOPPED', 'UNDEPLOYED']) {
      expect(all[rare], rare).toBeGreaterThan(0);
      expect(all[rare], rare).toBeLessThan(0.1);
    }
  });

  it('sometimes leaves out optional fields: trigger, creator, build seconds, an environment uuid', () => {
    const values = pipelines.map(({ value }) => value);
    const completed = values.filter((p) => p.state.name === 'COMPLETED');
    const share = (items: any[], test: (x: any) => boolean) => items.filter(test).length / items.length;
    const noTrigger = share(values, (p) => !('trigger' in p));
    expect(noTrigger).toBeGreaterThan(0);
    expect(noTrigger).toBeLessThan(0.05);
    // Scheduled runs have no creator; nor do pushes by authors Bitbucket cannot link to an account.
    expect(share(values, (p) => !('creator' in p))).toBeGreaterThan(0);
    const scheduled = values.filter((p) => p.trigger?.name === 'SCHEDULE');
    expect(scheduled.length).toBeGreaterThan(0);
    expect(scheduled.every((p) => !('creator' in p))).toBe(true);
    // Unfinished runs report no build seconds; a few finished ones neither.
    expect(
      values.filter((p) => p.state.name !== 'COMPLETED').every((p) => !('build_seconds_used' in p)),
    ).toBe(true);
    const noSeconds = share(completed, (p) => !('build_seconds_used' in p));
    expect(noSeconds).toBeGreaterThan(0);
    expect(noSeconds).toBeLessThan(0.06);
    // Every deployment names its environment; a few without the environment's uuid.
    const envs = deployments.map(({ value }) => value.environment);
    expect(envs.every((e) => typeof e.name === 'string' && e.name !== '')).toBe(true);
    const noUuid = share(envs, (e) => !('uuid' in e));
    expect(noUuid).toBeGreaterThan(0);
    expect(noUuid).toBeLessThan(0.08);
  });

  it('shows a halted run waiting at its manual deployment step, whose deployment is UNDEPLOYED', async () => {
    const halted = pipelines.find(({ value }) => value.state.stage?.name === 'HALTED');
    if (!halted) throw new Error('no halted run');
    const repo = halted.value.repository.full_name;
    const steps = await fetchAll(
      sb,
      token,
      `/repositories/${repo}/pipelines/${enc(halted.value.uuid)}/steps`,
    );
    for (const s of steps) expectRunState('pipeline_step', s.state);
    const waiting = steps.at(-1);
    expect(waiting.state.name).toBe('PENDING');
    expect(waiting.trigger.type).toBe('pipeline_step_trigger_manual');
    expect(waiting).not.toHaveProperty('build_seconds_used');
    expect(waiting).not.toHaveProperty('started_on');
    expect(steps.slice(0, -1).every((s) => s.state.result?.name === 'SUCCESSFUL')).toBe(true);
    const undeployed = deployments.find(({ value }) => value.step.uuid === waiting.uuid);
    expect(undeployed?.value.state.name).toBe('UNDEPLOYED');
  });

  it('writes pull request times with +00:00 and 6 digits, pipeline and deployment times with Z and 0-6 digits', async () => {
    const { ws, slug } = repositories[0] as { ws: string; slug: string };
    const base = `/repositories/${ws}/${slug}`;
    const prs = await fetchAll(sb, token, `${base}/pullrequests?state=MERGED&pagelen=50`);
    for (const pr of prs) {
      expect(pr.created_on).toMatch(OFFSET_TIME);
      expect(pr.updated_on).toMatch(OFFSET_TIME);
    }
    const times: string[] = [];
    for (const { value: p } of pipelines)
      times.push(p.created_on, ...(p.completed_on ? [p.completed_on] : []));
    for (const { value: d } of deployments) {
      times.push(d.last_update_time, d.release.created_on);
      if (d.state.start_date) times.push(d.state.start_date);
    }
    const pipeline = pipelines.find(
      ({ ws: w, value }) => w === ws && value.repository.full_name === `${ws}/${slug}`,
    );
    const steps = await fetchAll(sb, token, `${base}/pipelines/${enc(pipeline?.value.uuid)}/steps`);
    for (const s of steps) times.push(s.started_on, s.completed_on);
    for (const t of times) expect(t).toMatch(ZULU_TIME);
    // Trailing zeros are dropped: the digit count varies (some runs keep milliseconds only).
    const digits = new Set(times.map((t) => (/\.(\d+)Z$/.exec(t)?.[1] ?? '').length));
    for (const n of [3, 5, 6]) expect(digits, `${n} digits`).toContain(n);
    // The extractor reads both forms to the microsecond.
    expect(toBbqlUtc('2023-02-20T08:58:19.14397Z')).toBe('2023-02-20T08:58:19.143970');
    expect(toBbqlUtc('2023-02-20T08:58:19Z')).toBe('2023-02-20T08:58:19.000000');
    expect(compareIso('2023-02-20T08:58:19.14397Z', '2023-02-20T08:58:19.143969+00:00')).toBe(1);
  });

  it('sorts by the instant a timestamp names, whatever its form and digit count', async () => {
    // As text, `.143Z` sorts after `.14397Z` and `19Z` after `19.5Z`.
    expect(sortOrder('2023-02-20T08:58:19.143Z', '2023-02-20T08:58:19.14397Z')).toBeLessThan(0);
    expect(sortOrder('2023-02-20T08:58:19Z', '2023-02-20T08:58:19.5Z')).toBeLessThan(0);
    expect(sortOrder('2023-02-20T08:58:19.000001+00:00', '2023-02-20T08:58:19Z')).toBeGreaterThan(0);
    const busiest = repositories
      .map((r) => ({
        ...r,
        n: pipelines.filter((p) => p.value.repository.full_name === `${r.ws}/${r.slug}`).length,
      }))
      .sort((a, b) => b.n - a.n)[0] as { ws: string; slug: string };
    const path = `/repositories/${busiest.ws}/${busiest.slug}/pipelines?sort=-created_on&pagelen=100`;
    const newest = await fetchAll(sb, token, path);
    expect(newest.length).toBeGreaterThan(100);
    for (let i = 1; i < newest.length; i += 1)
      expect(compareIso(newest[i - 1].created_on, newest[i].created_on)).toBeGreaterThanOrEqual(0);
  });

  it('compares times across both forms in BBQL', async () => {
    const { ws, slug } = repositories[0] as { ws: string; slug: string };
    const base = `/repositories/${ws}/${slug}/pullrequests?state=MERGED&pagelen=50`;
    const prs = await fetchAll(sb, token, base);
    const pr = prs[Math.floor(prs.length / 2)];
    // 2026-…T10:11:12.345678+00:00 → 2026-…T10:11:12.345Z: the pull request is just after it.
    const literal = `${String(pr.updated_on).slice(0, 23)}Z`;
    const after = await fetchAll(sb, token, `${base}&q=${enc(`updated_on > ${literal}`)}`);
    const upTo = await fetchAll(sb, token, `${base}&q=${enc(`updated_on <= ${literal}`)}`);
    expect(after.map((p) => p.id)).toContain(pr.id);
    expect(upTo.map((p) => p.id)).not.toContain(pr.id);
    expect(after.length + upTo.length).toBe(prs.length);
  });

  it('answers list paths with a trailing slash exactly as without, next links included', async () => {
    const { ws, slug } = repositories[0] as { ws: string; slug: string };
    const base = `/repositories/${ws}/${slug}`;
    const pipeline = pipelines.find(({ value }) => value.repository.full_name === `${ws}/${slug}`)?.value;
    const paths = [
      `${base}/pipelines?pagelen=5`,
      `${base}/pipelines`,
      `${base}/deployments?pagelen=5`,
      `${base}/environments`,
      `${base}/pipelines/${enc(pipeline.uuid)}/steps`,
      `${base}/pipelines/${enc(pipeline.uuid)}`,
      `${base}/pullrequests?state=MERGED&pagelen=5`,
      `${base}/commits?pagelen=5`,
      `${base}`,
      `/repositories/${ws}?pagelen=2`,
      `/workspaces/${ws}/members`,
      '/user/workspaces',
    ];
    const slashed = (path: string) => path.replace(/(\?|$)/, '/$1');
    for (const path of paths) {
      const plain = await apiGet(sb, token, path);
      const slash = await apiGet(sb, token, slashed(path));
      expect(plain.status, path).toBe(200);
      expect(slash.status, slashed(path)).toBe(200);
      const { next, previous, ...body } = slash.json;
      const { next: plainNext, previous: plainPrevious, ...plainBody } = plain.json;
      expect(body, slashed(path)).toEqual(plainBody);
      expect(previous).toBe(plainPrevious);
      // The next link keeps the path as asked and answers the same page.
      expect(next === undefined, path).toBe(plainNext === undefined);
      if (next !== undefined) {
        expect(new URL(next).pathname).toBe(new URL(slashed(`${sb.urls.apiUrl}${path}`)).pathname);
        const [a, b] = [await apiGet(sb, token, next), await apiGet(sb, token, plainNext)];
        expect(a.status).toBe(200);
        expect(a.json.values).toEqual(b.json.values);
      }
    }
    // A list made to answer 404 answers it with its trailing slash too; unknown paths stay unknown.
    await control(sb, 'PUT', '/faults', { notFoundPaths: [`/${slug}/environments$`] });
    try {
      expect((await apiGet(sb, token, `${base}/environments/`)).status).toBe(404);
      expect((await apiGet(sb, token, `${base}/pipelines/`)).status).toBe(200);
    } finally {
      await control(sb, 'PUT', '/faults', { notFoundPaths: [] });
    }
    const unknown = await apiGet(sb, token, `${base}/no-such-list/`);
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message).toBe('Resource not found');
  });

  it('keeps the ground truth equal to what the API serves: keys and states', async () => {
    for (const ws of sb.urls.workspaces) {
      const truth = (await control(sb, 'GET', `/truth?workspace=${ws}&keys=1`)).json;
      const mine = (items: Listed[]) => items.filter((x) => x.ws === ws).map((x) => x.value);
      expect(
        mine(pipelines)
          .map((p) => p.uuid)
          .sort(),
      ).toEqual([...truth.keys.pipelines].sort());
      expect(
        mine(deployments)
          .map((d) => d.uuid)
          .sort(),
      ).toEqual([...truth.keys.deployments].sort());
      const tally = (values: any[]) => {
        const out: Record<string, number> = {};
        for (const v of values) out[label(v.state)] = (out[label(v.state)] ?? 0) + 1;
        return out;
      };
      expect(tally(mine(pipelines))).toEqual(truth.states.pipelines);
      expect(tally(mine(deployments))).toEqual(truth.states.deployments);
    }
    // Steps too, for one repository: the truth counts every step the API lists.
    const { ws, slug } = repositories.at(-1) as { ws: string; slug: string };
    const truth = (await control(sb, 'GET', `/truth?workspace=${ws}&keys=1`)).json;
    const steps: string[] = [];
    for (const { value } of pipelines.filter((p) => p.value.repository.full_name === `${ws}/${slug}`)) {
      const listed = await fetchAll(
        sb,
        token,
        `/repositories/${ws}/${slug}/pipelines/${enc(value.uuid)}/steps`,
      );
      steps.push(...listed.map((s) => s.uuid));
    }
    expect(steps.length).toBeGreaterThan(0);
    for (const uuid of steps) expect(truth.keys.pipeline_steps).toContain(uuid);
  }, 60_000);

  // Last: it moves the clock.
  it('shows the passing states too as the clock moves: pending, running, paused, ready steps, deployments in progress', async () => {
    const wanted = [
      'pipeline PENDING',
      'pipeline IN_PROGRESS/RUNNING',
      'pipeline IN_PROGRESS/PAUSED',
      'step READY',
      'step IN_PROGRESS',
      'deployment IN_PROGRESS',
    ];
    const seen = new Set<string>();
    const store = sb.store;
    // Ten-minute steps through up to two weeks; each state, when first seen, is read from the API.
    for (let tick = 0; tick < 14 * 144 && seen.size < wanted.length; tick += 1) {
      store.advance(10 * 60_000);
      for (const ws of store.world.workspaces) {
        for (const repo of store.liveRepositories(ws)) {
          const data = store.simulation(ws, repo).data;
          const base = `/repositories/${ws.slug}/${repo.slug}`;
          for (const p of data.pipelines) {
            if (p.state === 'COMPLETED' || p.stage === 'HALTED') continue;
            const name = `pipeline ${p.state}${p.stage ? `/${p.stage}` : ''}`;
            const stepNames = p.steps.map((s) => `step ${s.state}`).filter((s) => !seen.has(s));
            if (seen.has(name) && !stepNames.some((s) => wanted.includes(s))) continue;
            const served = (await apiGet(sb, token, `${base}/pipelines/${enc(p.uuid)}`)).json;
            expectRunState('pipeline', served.state);
            expect(label(served.state)).toBe(name.slice('pipeline '.length));
            expect(served).not.toHaveProperty('build_seconds_used');
            expect(served).not.toHaveProperty('completed_on');
            seen.add(name);
            for (const s of await fetchAll(sb, token, `${base}/pipelines/${enc(p.uuid)}/steps`)) {
              expectRunState('pipeline_step', s.state);
              seen.add(`step ${s.state.name}`);
            }
          }
          const deploying = data.deployments.find((d) => d.state === 'IN_PROGRESS');
          if (deploying && !seen.has('deployment IN_PROGRESS')) {
            const page = (await apiGet(sb, token, `${base}/deployments/?pagelen=100`)).json.values;
            const served = page.find((d: any) => d.uuid === deploying.uuid);
            expectDeploymentState(served.state);
            seen.add(`deployment ${served.state.name}`);
          }
        }
      }
    }
    for (const state of wanted) expect(seen, state).toContain(state);
  }, 120_000);
});
