// Issue 10's streams through the durable pipeline: PR tasks, project group and user permissions
// and group members land exactly the sandbox's truth, keep up with the clock (tombstones
// included), and a connection that may not read them skips them without failing the sync.
import { describe, expect, it } from 'vitest';
import type { Counters } from '../../activities/contracts';
import { incrementalSync } from '../../workflows/incrementalSync';
import { connectAs, sandboxOAuth } from '../bitbucket/oauthFlow';
import {
  CONNECTION,
  type PipelineFixture,
  rawKeys,
  truthKeys,
  usePipeline,
  workerOptions,
} from '../support/pipeline';
import { control } from '../support/sandbox';
import { temporalAvailable, uniqueTaskQueue, withWorker } from '../support/temporal';
import { describeEachWarehouse } from '../support/warehouse';

const STREAMS = [
  'pr_tasks',
  'project_group_permissions',
  'project_user_permissions',
  'group_members',
] as const;

async function runSync(ctx: PipelineFixture, taskQueue: string, n: number): Promise<Counters> {
  return withWorker(workerOptions(ctx.services, taskQueue), (client) =>
    client.workflow.execute(incrementalSync, {
      taskQueue,
      workflowId: `sync:${CONNECTION}:${taskQueue}:${n}`,
      args: [{ connectionId: CONNECTION, runTransforms: false }],
    }),
  );
}

async function expectTruth(ctx: PipelineFixture, streams: readonly string[]) {
  const truth = await truthKeys(ctx.sb, 'acme');
  const got = await rawKeys(ctx.db, truth.uuid);
  for (const stream of streams) expect(got[stream], stream).toEqual(truth.keys[stream]);
  return { truth, got };
}

async function tombstoned(ctx: PipelineFixture, stream: string): Promise<number> {
  const rows = await ctx.db.query<{ n: number }>(
    `select count(*) as n from ${ctx.db.table('raw_bitbucket', stream)} where connection_id = $1 and _deleted_at is not null`,
    [CONNECTION],
  );
  return Number(rows[0]?.n);
}

describe.skipIf(!temporalAvailable())('tasks, project permissions and groups', () => {
  describeEachWarehouse(
    'through Temporal',
    (engine) => {
      describe('as a workspace admin', () => {
        const ctx = usePipeline(engine, { scale: 'tiny', seed: 43, rateLimitPerHour: 1_000_000 });

        it('lands the truth, then follows the clock with tombstones', async () => {
          const taskQueue = uniqueTaskQueue('access');
          await runSync(ctx, taskQueue, 1);
          const { got } = await expectTruth(ctx, Object.keys((await truthKeys(ctx.sb, 'acme')).keys));
          for (const stream of STREAMS) expect(got[stream]?.length, stream).toBeGreaterThan(0);

          const [member] = await ctx.db.query<{ payload: unknown; parent_key: string }>(
            `select payload, parent_key from ${ctx.db.table('raw_bitbucket', 'group_members')} where connection_id = $1 order by record_key limit 1`,
            [CONNECTION],
          );
          const payload = (
            typeof member?.payload === 'string' ? JSON.parse(member.payload) : member?.payload
          ) as {
            group: Record<string, unknown>;
            user: Record<string, unknown>;
            workspace: Record<string, unknown>;
          };
          expect(Object.keys(payload.group).sort()).toEqual(['name', 'permission', 'slug']);
          expect(Object.keys(payload.user).sort()).toEqual([
            'account_id',
            'display_name',
            'nickname',
            'uuid',
          ]);
          expect(member?.parent_key).toBe(`${payload.workspace.uuid}:${payload.group.slug}`);

          // Eight months: tasks resolved and new ones raised, people leave teams and the workspace.
          await control(ctx.sb, 'POST', '/clock/advance', { days: 240 });
          await runSync(ctx, taskQueue, 2);
          await expectTruth(ctx, Object.keys((await truthKeys(ctx.sb, 'acme')).keys));
          expect(await tombstoned(ctx, 'group_members')).toBeGreaterThan(0);
        }, 240_000);
      });

      describe('as a plain member (no admin rights)', () => {
        const ctx = usePipeline(engine, { scale: 'tiny', seed: 44, rateLimitPerHour: 1_000_000 });

        it('skips groups and project permissions as FORBIDDEN and lands everything else', async () => {
          const tokens = await connectAs(sandboxOAuth(ctx.sb), 'member');
          await ctx.services.vault.saveGrant(CONNECTION, tokens, { workspaces: ['acme'] });
          const counters = await runSync(ctx, uniqueTaskQueue('access-member'), 1);
          expect(counters.errors).toBeGreaterThanOrEqual(3);
          const { truth, got } = await expectTruth(ctx, [
            'members',
            'projects',
            'repositories',
            'pullrequests',
            'pr_tasks',
          ]);
          expect(truth.keys.group_members?.length).toBeGreaterThan(0);
          for (const stream of ['project_group_permissions', 'project_user_permissions', 'group_members'])
            expect(got[stream], stream).toEqual([]);
          const errors = await ctx.db.query<{ stream: string; kind: string }>(
            `select distinct stream, kind from ${ctx.db.table('etl_meta', 'errors')} where connection_id = $1 order by stream`,
            [CONNECTION],
          );
          expect(errors).toEqual([
            { stream: 'group_members', kind: 'FORBIDDEN' },
            { stream: 'project_group_permissions', kind: 'FORBIDDEN' },
            { stream: 'project_user_permissions', kind: 'FORBIDDEN' },
          ]);
        }, 240_000);
      });
    },
    ['pglite'],
  );
});
