import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../sandbox/data/model';
import { SandboxStore } from '../../sandbox/data/store';
import { groundTruth } from '../../sandbox/truth';

const EPOCH = Date.parse('2026-11-01T00:00:00Z');
const total = (store: SandboxStore) =>
  store.world.workspaces.reduce(
    (sum, ws) => sum + Object.values(groundTruth(store, ws).counts).reduce((a, b) => a + b, 0),
    0,
  );

describe('sandbox data generator', () => {
  it('is deterministic: same seed and scale, same data; another seed, other data', () => {
    const a = groundTruth(
      new SandboxStore(9, 'small', EPOCH),
      new SandboxStore(9, 'small', EPOCH).world.workspaces[0] as never,
    );
    const s1 = new SandboxStore(9, 'small', EPOCH);
    const s2 = new SandboxStore(9, 'small', EPOCH);
    const s3 = new SandboxStore(10, 'small', EPOCH);
    const t1 = groundTruth(s1, s1.world.workspaces[0] as never);
    const t2 = groundTruth(s2, s2.world.workspaces[0] as never);
    const t3 = groundTruth(s3, s3.world.workspaces[0] as never);
    expect(t1.keys).toEqual(t2.keys);
    expect(t1.keys.commits).not.toEqual(t3.keys.commits);
    expect(a.counts.workspaces).toBe(1);
  });

  it('sizes scales as promised: tiny ≈ 1k records, small ≈ 20k', () => {
    expect(total(new SandboxStore(1, 'tiny', EPOCH))).toBeGreaterThan(500);
    expect(total(new SandboxStore(1, 'tiny', EPOCH))).toBeLessThan(2_000);
    const small = total(new SandboxStore(1, 'small', EPOCH));
    expect(small).toBeGreaterThan(12_000);
    expect(small).toBeLessThan(30_000);
  });

  it('has the people a seat report needs: never active, idle, left, app users, unknown commit authors', () => {
    const store = new SandboxStore(1, 'small', EPOCH);
    const profiles = new Set(store.world.users.map((u) => u.profile));
    for (const p of ['regular', 'idle', 'never', 'bot', 'left']) expect(profiles).toContain(p);
    const ws = store.world.workspaces[0];
    if (!ws) throw new Error('no workspace');
    const commits = store.liveRepositories(ws).flatMap((r) => store.simulation(ws, r).data.commits);
    expect(commits.some((c) => c.authorIdx === undefined)).toBe(true);
    // Some seats are held in both workspaces (each is billed).
    const [first, second] = store.world.workspaces;
    const shared = second?.members.filter((m) => first?.members.some((f) => f.userIdx === m.userIdx));
    expect(shared?.length).toBeGreaterThan(1);
  });

  it('simulates a repository to the same state whether the clock moved in one step or many', () => {
    const once = new SandboxStore(4, 'tiny', EPOCH);
    const steps = new SandboxStore(4, 'tiny', EPOCH);
    const ws1 = once.world.workspaces[0];
    const ws2 = steps.world.workspaces[0];
    if (!ws1 || !ws2) throw new Error('no workspace');
    for (const r of steps.liveRepositories(ws2)) steps.simulation(ws2, r);
    for (let i = 0; i < 10; i += 1) {
      steps.advance(0.7 * DAY_MS);
      for (const r of steps.liveRepositories(ws2)) steps.simulation(ws2, r);
    }
    once.advance(7 * DAY_MS);
    expect(groundTruth(once, ws1).keys).toEqual(groundTruth(steps, ws2).keys);
  });

  it('advancing the clock creates activity, updates open PRs, finishes runs, soft-deletes comments', () => {
    const store = new SandboxStore(2, 'small', EPOCH);
    const ws = store.world.workspaces[0];
    if (!ws) throw new Error('no workspace');
    // Nightly builds start at 02:00; a few minutes later some are running.
    store.advance(2.1 * 3_600_000);
    const before = groundTruth(store, ws);
    const snapshot = new Map(
      store
        .liveRepositories(ws)
        .flatMap((r) =>
          store
            .simulation(ws, r)
            .data.pullRequests.map((pr) => [`${r.uuid}:${pr.id}`, { ...pr, updatedOn: { ...pr.updatedOn } }]),
        ),
    );
    // Runs under way, not the ones halted at a manual step (some wait for a trigger forever).
    const running = store
      .liveRepositories(ws)
      .flatMap((r) =>
        store.simulation(ws, r).data.pipelines.filter((p) => p.state !== 'COMPLETED' && p.stage !== 'HALTED'),
      );
    store.advance(14 * DAY_MS);
    const after = groundTruth(store, ws);
    expect(after.counts.commits).toBeGreaterThan(before.counts.commits);
    expect(after.counts.pullrequests).toBeGreaterThan(before.counts.pullrequests);
    const prsNow = store
      .liveRepositories(ws)
      .flatMap((r) =>
        store.simulation(ws, r).data.pullRequests.map((pr) => ({ key: `${r.uuid}:${pr.id}`, pr })),
      );
    const updatedOpen = prsNow.filter(({ key, pr }) => {
      const old = snapshot.get(key);
      return old?.state === 'OPEN' && pr.updatedOn.ms > old.updatedOn.ms;
    });
    expect(updatedOpen.length, 'open PRs updated').toBeGreaterThan(0);
    expect(running.length, 'runs in progress').toBeGreaterThan(0);
    expect(running.every((p) => p.state === 'COMPLETED' || p.stage === 'HALTED')).toBe(true);
    expect(running.filter((p) => p.state === 'COMPLETED').length).toBeGreaterThan(0);
    const deletedAfter = prsNow
      .flatMap(({ pr }) => pr.comments)
      .filter((c) => c.deleted && c.updatedOn.ms > EPOCH);
    expect(deletedAfter.length, 'comments deleted').toBeGreaterThan(0);
  });

  it('removes a member and a repository now and then as the clock moves', () => {
    const store = new SandboxStore(3, 'small', EPOCH);
    const ws = store.world.workspaces[0];
    if (!ws) throw new Error('no workspace');
    const before = groundTruth(store, ws);
    store.advance(365 * DAY_MS);
    const after = groundTruth(store, ws);
    expect(before.keys.members.filter((k) => !after.keys.members.includes(k)).length).toBeGreaterThan(0);
    expect(after.removedRepositories.length).toBeGreaterThan(0);
    expect(after.keys.repositories).not.toContain(after.removedRepositories[0]);
  });

  it('keeps memory bounded: an evicted repository is regenerated identically', () => {
    const store = new SandboxStore(6, 'small', EPOCH, 1);
    const ws = store.world.workspaces[0];
    if (!ws) throw new Error('no workspace');
    const [r1, r2] = store.liveRepositories(ws);
    if (!r1 || !r2) throw new Error('need two repositories');
    const first = store.simulation(ws, r1).data.commits.map((c) => c.hash);
    store.simulation(ws, r2);
    expect(store.simulation(ws, r1).data.commits.map((c) => c.hash)).toEqual(first);
  });
});
