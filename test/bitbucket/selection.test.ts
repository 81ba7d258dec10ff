// Which streams a run reads: the defaults, BBETL_STREAMS over them, a connection's own settings
// over both, and no stream read under a parent that is off.
import { describe, expect, it } from 'vitest';
import { DEFAULT_STREAMS } from '../../bitbucket/streams/plan';
import {
  enabledStreams,
  parentProblems,
  parseStreamChanges,
  reasonText,
  resolveStreams,
  type StreamState,
  unknownStreams,
} from '../../bitbucket/streams/selection';

function stateOf(states: readonly StreamState[], stream: string): StreamState {
  const state = states.find((s) => s.stream === stream);
  if (!state) throw new Error(`no state for ${stream}`);
  return state;
}

describe('stream selection', () => {
  it('reads the defaults when nothing is set: all but branches and pipeline steps', () => {
    const states = resolveStreams([], []);
    expect(enabledStreams(states)).toEqual(DEFAULT_STREAMS);
    expect(stateOf(states, 'pipeline_steps')).toEqual({
      stream: 'pipeline_steps',
      on: false,
      why: 'default',
    });
    expect(reasonText(stateOf(states, 'branches'))).toBe('default: no mart reads it');
    expect(reasonText(stateOf(states, 'commits'))).toBe('default');
  });

  it('lets BBETL_STREAMS change the defaults, and the connection change both', () => {
    const config = [
      { stream: 'pipeline_steps' as const, on: true },
      { stream: 'deployments' as const, on: false },
    ];
    const states = resolveStreams(config, [{ stream: 'deployments', on: true }]);
    expect(stateOf(states, 'pipeline_steps')).toMatchObject({ on: true, why: 'config' });
    expect(stateOf(states, 'deployments')).toMatchObject({ on: true, why: 'connection' });
    expect(reasonText(stateOf(states, 'deployments'))).toBe('set for this connection');
    // A stored name that is no stream any more is ignored.
    expect(resolveStreams([], [{ stream: 'gone', on: true }]).map((s) => s.stream)).not.toContain('gone');
  });

  it('reads no stream under a parent that is off, and says so per parent', () => {
    const states = resolveStreams(
      [],
      [
        { stream: 'pipelines', on: false },
        { stream: 'pipeline_steps', on: true },
        { stream: 'pullrequests', on: false },
      ],
    );
    expect(stateOf(states, 'pipeline_steps')).toEqual({
      stream: 'pipeline_steps',
      on: false,
      why: 'parent',
      parent: 'pipelines',
    });
    expect(reasonText(stateOf(states, 'pipeline_steps'))).toBe('pipelines is off');
    expect(enabledStreams(states)).not.toContain('pr_comments');
    expect(parentProblems(states)).toEqual([
      'pr_activity, pr_comments, pr_commits, pr_tasks are read under pullrequests, which is off',
      'pipeline_steps is read under pipelines, which is off',
    ]);
  });

  it('parses +stream,-stream and names unknown streams with the streams there are', () => {
    expect(parseStreamChanges(' +pipeline_steps , -branches,')).toEqual({
      changes: [
        { stream: 'pipeline_steps', on: true },
        { stream: 'branches', on: false },
      ],
    });
    expect(parseStreamChanges('')).toEqual({ changes: [] });
    expect(parseStreamChanges('pipeline_steps')).toEqual({
      problem: 'each item is +stream or -stream (got "pipeline_steps")',
    });
    const unknown = parseStreamChanges('+steps,-branch');
    expect(unknown).toEqual({
      problem: expect.stringMatching(/^unknown streams "steps", "branch"; the streams are: workspaces, /),
    });
    expect(unknownStreams(['commits'])).toBeUndefined();
  });
});
