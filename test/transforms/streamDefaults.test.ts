// Which streams are read by default is derived from the models: exactly those some mart reads,
// through any chain of staging and intermediate models. A stream no mart reads costs requests
// for nothing; a mart reading a stream that is off would be empty.
import { describe, expect, it } from 'vitest';
import { DEFAULT_STREAMS, PLANNED_STREAMS } from '../../bitbucket/streams/plan';
import { selectModels } from '../../transforms/dag';
import { loadProject } from '../../transforms/project';
import { planRun } from '../../transforms/run';
import { DEFAULT_PROJECT_DIR } from '../../transforms/service';
import { postgresNames } from '../../warehouse/postgresNames';

/** The bitbucket streams the marts of sql/ read, directly or through the models they ref. */
function streamsMartsRead(): Set<string> {
  const project = loadProject(DEFAULT_PROJECT_DIR);
  const { dag, compiled } = planRun({ dialect: 'postgres', table: postgresNames().table }, project);
  const marts = [...project.models.values()].filter((m) => m.layer === 'marts').map((m) => `+${m.name}`);
  const sources = [...selectModels(dag, marts)].flatMap((model) => compiled.get(model)?.sources ?? []);
  return new Set(sources.filter((s) => s.startsWith('bitbucket.')).map((s) => s.slice('bitbucket.'.length)));
}

describe('the streams read by default', () => {
  it('are exactly the streams some mart reads', () => {
    const read = streamsMartsRead();
    const turnOn = PLANNED_STREAMS.filter((s) => read.has(s) && !DEFAULT_STREAMS.includes(s));
    const turnOff = DEFAULT_STREAMS.filter((s) => !read.has(s));
    expect(
      turnOn,
      'a mart reads these: turn them on by default (OFF_BY_DEFAULT in bitbucket/streams/plan.ts)',
    ).toEqual([]);
    expect(
      turnOff,
      'no mart reads these: turn them off by default (OFF_BY_DEFAULT in bitbucket/streams/plan.ts)',
    ).toEqual([]);
    expect(read.size).toBeGreaterThan(10);
  });
});
