import { describe, expect, it } from 'vitest';
import { STREAMS, type StreamName } from '../../bitbucket/streams/catalog';
import { CRAWL_PLAN, repositorySteps, workspaceSteps } from '../../bitbucket/streams/plan';

describe('the crawl plan', () => {
  it('reads every stream of the catalog once, under the parent the catalog gives it', () => {
    const planned = CRAWL_PLAN.flatMap((step) => step.streams.map((stream) => [stream, step.level] as const));
    expect(planned.map(([stream]) => stream).sort()).toEqual(Object.keys(STREAMS).sort());
    for (const [stream, level] of planned) {
      // The user's own list of workspaces hangs under no parent; the workspace step reads it.
      const parent = STREAMS[stream as StreamName].parent;
      expect(parent === 'root' ? 'workspace' : parent, stream).toBe(level);
    }
  });

  it('later windows read only the every-window steps, in the same order', () => {
    const names = (steps: readonly { name: string }[]) => steps.map((s) => s.name);
    expect(names(workspaceSteps(false))).toEqual(['workspaces', 'repositories']);
    expect(names(repositorySteps(false))).toEqual(['pullrequests', 'pr_children']);
    expect([...names(workspaceSteps(true)), ...names(repositorySteps(true))]).toEqual(names(CRAWL_PLAN));
  });
});
