// Odd payloads through the whole pipeline (a proxy rewrites the sandbox's answers): a 5 MB title,
// NUL characters and lone surrogates, RTL and emoji, nulls where objects are expected, values of
// the wrong type, new fields, and list entries that are no record at all. Every record is stored
// as sent or parked in etl_meta.errors with its raw text; nothing is lost; the models still
// build. Extends test/warehouse/rawLoader.test.ts (the loader alone). A wrong type in a field the
// models cast is a known bug, pinned at the end of this file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import type { Services } from '../../services/services';
import { failedNodes, runTransformProject } from '../../transforms/service';
import type { WarehouseEngine } from '../../warehouse/engine';
import { listErrors } from '../../warehouse/ledger';
import { loadRecords } from '../../warehouse/raw/load';
import { incrementalSync } from '../../workflows/incrementalSync';
import { CHAOS_ODD_ENGINES } from '../support/chaos';
import { type HostileApi, startHostileApi } from '../support/hostileApi';
import {
  CONNECTION,
  connect,
  pipelineServices,
  rawKeys,
  readEveryStream,
  truthKeys,
  workerOptions,
} from '../support/pipeline';
import { temporalAvailable, uniqueTaskQueue, withWorker } from '../support/temporal';
import { describeEachWarehouse, useMigratedWarehouse, type WarehouseUnderTest } from '../support/warehouse';

type Json = Record<string, unknown>;

/** About 5 MB of mixed scripts. */
const HUGE_TITLE = 'Ω🚀 שלום مرحبا 你好 '.repeat(250_000);
const ODD_TEXT = 'NUL\u0000 lone\ud800 RTL\u202eoverride emoji 👩🏽‍💻 zero\u200bwidth';
/** What the warehouse can store of ODD_TEXT: NUL and the lone surrogate become U+FFFD. */
const STORED_ODD_TEXT = 'NUL\uFFFD lone\uFFFD RTL\u202eoverride emoji 👩🏽‍💻 zero\u200bwidth';
/** List entries no key can be read from: parked with their raw text. */
const NOT_RECORDS: unknown[] = [null, 42, 'a string', { no: 'id' }];

/** The odd version of a record: the same one every time it is read, so re-reads agree. */
const ODD_PULL_REQUEST = (pr: Json): Json => ({
  ...pr,
  title: HUGE_TITLE,
  description: ODD_TEXT,
  author: null,
  reviewers: 'nobody',
  participants: {},
  summary_of_the_future: { added: ['in', 2031], by: null },
});
const ODD_COMMIT = (commit: Json): Json => ({
  ...commit,
  author: 'a plain string',
  message: ODD_TEXT,
  parents: null,
});

/** Rewrites the first pull request and commit it sees (and those again when re-read). */
function oddness() {
  const picked: { pr?: unknown; commit?: unknown } = {};
  return (path: string, body: unknown): unknown => {
    const page = body as Json & { values?: Json[] };
    const values = page.values;
    if (!Array.isArray(values) || values.length === 0) return body;
    if (path.endsWith('/pullrequests')) {
      // Pull request ids repeat across repositories: the pick is one repository's.
      picked.pr ??= `${path}#${values[0]?.id}`;
      const out = values.map((pr) => (`${path}#${pr.id}` === picked.pr ? ODD_PULL_REQUEST(pr) : pr));
      return { ...page, values: [...out, ...NOT_RECORDS] };
    }
    if (path.endsWith('/commits') && !path.includes('/pullrequests/')) {
      picked.commit ??= values[0]?.hash;
      return { ...page, values: values.map((c) => (c.hash === picked.commit ? ODD_COMMIT(c) : c)) };
    }
    if (path.endsWith('/members')) return { ...page, values: [...values, { user: null, workspace: {} }] };
    return body;
  };
}

describe.skipIf(!temporalAvailable())('odd payloads through the pipeline', () => {
  describeEachWarehouse(
    'stored as sent or parked, never lost',
    (engine) => {
      let sb: Sandbox;
      let hostile: HostileApi;
      let wh: WarehouseUnderTest;
      let db: WarehouseEngine;
      let services: Services;
      beforeAll(async () => {
        sb = await startSandbox({ scale: 'tiny', seed: 75, rateLimitPerHour: 1_000_000 });
        hostile = await startHostileApi(sb, oddness());
        wh = engine();
        db = await wh.open();
        services = await pipelineServices(hostile.sb, db);
        await connect(sb, services);
        await readEveryStream(db);
      });
      afterAll(async () => {
        await hostile?.close();
        await sb?.close();
        await wh?.cleanup(db);
        await db?.close();
      });

      const rawPayloads = async (stream: 'pullrequests' | 'commits') =>
        db.query<{ record_key: string; payload: Json }>(
          `select record_key, payload from ${db.table('raw_bitbucket', stream)} where connection_id = $1`,
          [CONNECTION],
        );

      it('lands every record, parks what is no record, and builds the models', async () => {
        const taskQueue = uniqueTaskQueue('odd');
        await withWorker(workerOptions(services, taskQueue), (client) =>
          client.workflow.execute(incrementalSync, {
            taskQueue,
            workflowId: `sync:${CONNECTION}:${taskQueue}`,
            args: [{ connectionId: CONNECTION }],
          }),
        );
        const truth = await truthKeys(sb, 'acme');
        expect(await rawKeys(db, truth.uuid)).toEqual(truth.keys);

        const pr = (await rawPayloads('pullrequests')).find((r) => r.payload.title === HUGE_TITLE);
        expect(pr?.payload).toMatchObject({
          description: STORED_ODD_TEXT,
          author: null,
          reviewers: 'nobody',
          participants: {},
          summary_of_the_future: { added: ['in', 2031], by: null },
        });
        const commit = (await rawPayloads('commits')).find((r) => r.payload.author === 'a plain string');
        expect(commit?.payload).toMatchObject({ message: STORED_ODD_TEXT, parents: null });

        const errors = await listErrors(db, { connectionId: CONNECTION, limit: 1000 });
        const parked = (stream: string) =>
          new Set(errors.filter((e) => e.stream === stream && e.kind === 'BAD_PAYLOAD').map((e) => e.raw));
        expect(parked('pullrequests')).toEqual(new Set(NOT_RECORDS.map((v) => JSON.stringify(v))));
        expect([...parked('members')]).toEqual(['{"user":null,"workspace":{}}']);
        // What had to change to be stored is kept as sent (JSON escapes travel as text).
        const altered = errors.filter((e) => e.kind === 'ALTERED_TEXT');
        expect(altered.map((e) => e.recordKey).sort()).toEqual([commit?.record_key, pr?.record_key].sort());
        for (const e of altered) expect(e.raw).toContain(JSON.stringify(ODD_TEXT).slice(1, -1));

        const [built] = await db.query<{ n: number }>(
          `select count(*) as n from ${db.table('marts', 'fct_pull_requests')} where title = $1`,
          [HUGE_TITLE],
        );
        expect(Number(built?.n)).toBe(1);
      }, 900_000);
    },
    CHAOS_ODD_ENGINES,
  );
});

// One value of the wrong type (a count that is a word) must not stop the models: the typed-value
// macros read it as null (test/sql/typedValues.test.ts pins each case on every engine).
describe('a value of the wrong type in a field the models cast', () => {
  describeEachWarehouse(
    'models',
    (engine) => {
      const fx = useMigratedWarehouse(engine);

      it('does not stop the models from building', async () => {
        // A pull request complete but for the types of four fields, in a repository we know.
        await loadRecords(fx.db, {
          stream: 'repositories',
          connectionId: CONNECTION,
          workspaceUuid: '{ws}',
          runId: 'odd',
          records: [
            { key: '{repo}', parentKey: '{ws}', payload: { uuid: '{repo}', slug: 'repo', name: 'repo' } },
          ],
        });
        const wrong = {
          id: 1,
          title: 'counted in words',
          state: 'OPEN',
          created_on: '2026-10-01T00:00:00+00:00',
          comment_count: 'many',
          task_count: { n: 1 },
          draft: 'yes',
        };
        await loadRecords(fx.db, {
          stream: 'pullrequests',
          connectionId: CONNECTION,
          workspaceUuid: '{ws}',
          runId: 'odd',
          records: [
            { key: '{repo}:1', parentKey: '{repo}', updatedOn: '2026-10-01T00:00:00Z', payload: wrong },
          ],
        });
        const outcome = await runTransformProject(fx.db, { trigger: 'test' });
        expect(failedNodes(outcome.results).map((f) => `${f.name}: ${f.error ?? f.status}`)).toEqual([]);
        const built = await fx.db.query(
          `select pr_id, title from ${fx.db.table('marts', 'fct_pull_requests')} where pr_key = '{repo}:1'`,
        );
        expect(built).toEqual([{ pr_id: 1, title: 'counted in words' }]);
      }, 300_000);
    },
    ['pglite'],
  );
});
