import { describe, expect, it } from 'vitest';
import { STREAMS, type StreamName } from '../../bitbucket/streams/catalog';
import {
  CRAWL_PLAN,
  DEFAULT_STREAMS,
  PLANNED_STREAMS,
  parentStream,
  repositorySteps,
  scopeStreams,
  workspaceSteps,
} from '../../bitbucket/streams/plan';

const all = PLANNED_STREAMS;

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
    expect(names(workspaceSteps(false, all))).toEqual(['workspaces', 'repositories']);
    expect(names(repositorySteps(false, all))).toEqual(['pullrequests', 'pr_children']);
    expect([...names(workspaceSteps(true, all)), ...names(repositorySteps(true, all))]).toEqual(
      names(CRAWL_PLAN),
    );
  });

  it('runs a step while one of its streams is on, and none whose streams are all off', () => {
    const names = (steps: readonly { name: string }[]) => steps.map((s) => s.name);
    const defaults = names(repositorySteps(true, DEFAULT_STREAMS));
    expect(defaults).not.toContain('branches');
    expect(defaults).not.toContain('pipeline_steps');
    expect(defaults).toContain('pr_children');
    const oneOfTwo = all.filter((s) => s !== 'project_user_permissions');
    expect(names(workspaceSteps(true, oneOfTwo))).toContain('project_permissions');
    const neither = oneOfTwo.filter((s) => s !== 'project_group_permissions');
    expect(names(workspaceSteps(true, neither))).not.toContain('project_permissions');
  });

  it('reads the defaults for a scope that names no streams (a run started by older code)', () => {
    expect(scopeStreams({})).toEqual(DEFAULT_STREAMS);
    expect(scopeStreams({ streams: ['commits'] })).toEqual(['commits']);
  });

  it("knows each stream's parent stream from the level it is read at", () => {
    expect(parentStream('pipeline_steps')).toBe('pipelines');
    expect(parentStream('pr_comments')).toBe('pullrequests');
    expect(parentStream('branches')).toBe('repositories');
    expect(parentStream('project_user_permissions')).toBe('projects');
    expect(parentStream('members')).toBeUndefined();
    expect(parentStream('workspaces')).toBeUndefined();
  });
});
