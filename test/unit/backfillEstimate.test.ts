// The pure parts of a backfill's skipping and estimate: which repository a window reads, which
// windows are skipped, and the requests left.
import { describe, expect, it } from 'vitest';
import { existedBefore } from '../../activities/contracts';
import { backfillEta, etaText } from '../../client/backfillEta';
import { emptyTail } from '../../workflows/backfill';
import { estimateRequestsLeft, NO_COSTS, spend } from '../../workflows/backfillEstimate';

describe('backfill skipping and estimate', () => {
  it('reads a repository in a window unless it was created after the window ended', () => {
    const until = '2026-04-01T00:00:00Z';
    expect(existedBefore('2026-03-31T23:59:59.999999+00:00', until)).toBe(true);
    expect(existedBefore('2026-04-01T00:00:00+00:00', until)).toBe(false);
    // Never lose data: no created_on, or one that does not parse, reads it.
    for (const unknown of [undefined, null, '', 'yesterday'])
      expect(existedBefore(unknown, until)).toBe(true);
  });

  it('skips the empty windows at the end of the reading order, never the first', () => {
    expect(emptyTail([3, 3, 1, 0, 0, 0])).toBe(3);
    expect(emptyTail([3, 1, 0, 2, 0])).toBe(1);
    expect(emptyTail([0, 0, 0])).toBe(2);
    expect(emptyTail([2])).toBe(0);
  });

  it('estimates nothing without a basis, then the first window alone, then every window left', () => {
    const base = { windowsTotal: 6, windowsSkipped: 3, repositoriesPerWindow: [3, 3, 1, 0, 0, 0] };
    expect(estimateRequestsLeft({ ...base, windowsDone: 0 })).toBeUndefined();
    let costs = spend(NO_COSTS, 'workspace', true, 20);
    const first = { ...base, windowsDone: 0, costs };
    // The plan is known, no repository read yet.
    expect(estimateRequestsLeft({ ...first, currentWindow: { workspaceRead: true } })).toBeUndefined();
    costs = spend(costs, 'repository', true, 100);
    const inFirst = { ...first, costs, currentWindow: { workspaceRead: true, repositoriesDone: 1 } };
    expect(estimateRequestsLeft(inFirst)).toEqual({ requestsLeft: 200, basis: 'first window only' });
    // Second window: 2 requests for its workspace level, 10 per repository.
    costs = spend(spend(costs, 'workspace', false, 2), 'repository', false, 10);
    const inLater = {
      ...base,
      windowsDone: 1,
      costs,
      currentWindow: { workspaceRead: true, repositoriesDone: 1 },
    };
    // 2 repositories of this window, then the third window: its level and its 1 repository.
    expect(estimateRequestsLeft(inLater)).toEqual({ requestsLeft: 2 * 10 + 2 + 10, basis: 'measured' });
    expect(estimateRequestsLeft({ ...inLater, windowsDone: 3 })).toEqual({
      requestsLeft: 0,
      basis: 'measured',
    });
  });

  it('says when it ends at the budget, and that it is an estimate', () => {
    expect(etaText(backfillEta(undefined, 1000))).toBe('ETA: no estimate yet');
    const progress = {
      windowsTotal: 2,
      windowsDone: 1,
      repositoriesDone: 4,
      counters: { records: 0, requests: 0, rateLimited: 0, errors: 0, rejects: 0 },
      paused: false,
      estimate: { requestsLeft: 2500, basis: 'measured' as const },
    };
    expect(etaText(backfillEta(progress, 1000))).toBe(
      'ETA ~2 h 30 min (estimate: ~2,500 requests left at 1,000 requests/h)',
    );
  });
});
