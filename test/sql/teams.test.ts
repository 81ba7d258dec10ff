// Utilization by project, team and pull request task, over hand-written raw records, as of
// 2024-06-10 (the day of the members listing). One workspace: Ada, Grace, Linus and Ivy hold seats,
// the deploy bot is an app user. Teams: backend (Ada, Grace; Linus until he left it on 5 June) and
// frontend (Grace, Ivy, the bot). Projects: CORE (backend's, and Ivy directly), WEB (frontend's,
// and Grace directly as well) and OPS (no group: Linus directly). Tasks: one resolved, one never
// resolved, one resolved by Linus and then reopened (loaded resolved, modelled, then reloaded
// UNRESOLVED and modelled again: the incremental run retracts its resolution), one in WEB.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../transforms/project';
import { runModels } from '../../transforms/run';
import { loadRecords } from '../../warehouse/raw/load';
import { markDeleted } from '../../warehouse/raw/reconcile';
import type { RawRecord } from '../../warehouse/raw/records';
import {
  type Account,
  ADA,
  account,
  asText,
  BOT,
  commitPayload,
  GRACE,
  plain,
  SQL_DIR,
  sortRows,
  t,
  WS,
} from '../support/rawFixtures';
import { describeEachDialect, useMigratedWarehouse } from '../support/warehouse';

const LINUS = account('{u-linus}', 'Linus');
const IVY = account('{u-ivy}', 'Ivy');
const LISTED_AT = '2024-06-10T12:00:00.000000Z';
const RELISTED_AT = '2024-06-10T13:00:00.000000Z';

const project = (uuid: string, key: string) => ({ type: 'project', key, uuid, name: key.toLowerCase() });
const CORE = project('{proj-core}', 'CORE');
const WEB = project('{proj-web}', 'WEB');
const OPS = project('{proj-ops}', 'OPS');
type Project = typeof CORE;
const REPOS = { CORE: '{repo-core}', WEB: '{repo-web}', OPS: '{repo-ops}' };
const BACKEND = `${WS}:backend`;
const FRONTEND = `${WS}:frontend`;

const repository = (uuid: string, p: Project) => ({
  key: uuid,
  parentKey: WS,
  payload: { type: 'repository', uuid, slug: p.key, name: p.key, workspace: { uuid: WS }, project: p },
});
const inWorkspace = (user: Account) => ({
  key: `${WS}:${user.uuid}`,
  parentKey: WS,
  payload: { type: 'workspace_membership', permission: 'member', user, workspace: { uuid: WS, slug: 'ws' } },
});
const groupMember = (slug: string, name: string, user: Account) => ({
  key: `${WS}:${slug}:${user.uuid}`,
  parentKey: `${WS}:${slug}`,
  updatedOn: LISTED_AT,
  payload: { group: { name, slug, permission: 'read' }, user, workspace: { uuid: WS, slug: 'ws' } },
});
const groupPermission = (p: Project, slug: string, name: string) => ({
  key: `${p.uuid}:${slug}`,
  parentKey: p.uuid,
  updatedOn: LISTED_AT,
  payload: {
    type: 'project_group_permission',
    permission: 'write',
    group: { name, slug, full_slug: `ws:${slug}` },
    project: p,
  },
});
const userPermission = (p: Project, user: Account) => ({
  key: `${p.uuid}:${user.uuid}`,
  parentKey: p.uuid,
  updatedOn: LISTED_AT,
  payload: { type: 'project_user_permission', permission: 'read', user, project: p },
});
const task = (
  repo: string,
  id: number,
  creator: Account,
  createdOn: string,
  resolved?: { by: Account; on: string; reopened?: boolean },
) => ({
  key: `${repo}:7:${id}`,
  parentKey: `${repo}:7`,
  updatedOn: resolved?.on ?? createdOn,
  payload: {
    id,
    created_on: createdOn,
    updated_on: resolved?.on ?? createdOn,
    state: resolved && !resolved.reopened ? 'RESOLVED' : 'UNRESOLVED',
    content: { raw: `task ${id}` },
    creator,
    pending: false,
    ...(resolved ? { resolved_on: resolved.on, resolved_by: resolved.by } : {}),
  },
});
const REOPENED = { by: LINUS, on: '2024-06-04T09:00:00.000000+00:00' };

const LOADS: Record<string, RawRecord[]> = {
  projects: [CORE, WEB, OPS].map((p) => ({
    key: p.uuid,
    parentKey: WS,
    payload: { ...p, workspace: { uuid: WS } },
  })),
  repositories: [repository(REPOS.CORE, CORE), repository(REPOS.WEB, WEB), repository(REPOS.OPS, OPS)],
  members: [ADA, GRACE, LINUS, IVY, BOT].map(inWorkspace),
  permissions: [ADA, GRACE, LINUS, IVY, BOT].map(inWorkspace),
  commits: [
    {
      key: `${REPOS.OPS}:c1`,
      parentKey: REPOS.OPS,
      payload: commitPayload('c1', '2024-06-08T09:00:00+00:00', 'Linus <linus@example.com>', LINUS),
    },
  ],
  group_members: [
    ...[ADA, GRACE, LINUS].map((u) => groupMember('backend', 'Backend', u)),
    ...[GRACE, IVY, BOT].map((u) => groupMember('frontend', 'Frontend', u)),
  ],
  project_group_permissions: [
    groupPermission(CORE, 'backend', 'Backend'),
    groupPermission(WEB, 'frontend', 'Frontend'),
  ],
  project_user_permissions: [
    userPermission(CORE, IVY),
    userPermission(WEB, GRACE),
    userPermission(OPS, LINUS),
  ],
  pr_tasks: [
    task(REPOS.CORE, 1, ADA, '2024-06-01T09:00:00.000000+00:00', {
      by: GRACE,
      on: '2024-06-02T10:00:00.000000+00:00',
    }),
    task(REPOS.CORE, 2, GRACE, '2024-06-02T11:00:00.000000+00:00'),
    task(REPOS.CORE, 3, ADA, '2024-06-03T09:00:00.000000+00:00', REOPENED),
    task(REPOS.WEB, 4, IVY, '2024-06-06T09:00:00.000000+00:00', {
      by: IVY,
      on: '2024-06-06T15:00:00.000000+00:00',
    }),
  ],
};

/** Rows of a long feature-usage fact for [day, key, feature]s each used once by one user. */
const usedOnce = (keyColumn: string, uses: [string, string, string][]) =>
  uses.map(([activity_date, key, feature]) => ({
    activity_date,
    [keyColumn]: key,
    workspace_uuid: WS,
    feature,
    users: 1,
    events: 1,
  }));

const teamDay = (date_day: string, team_key: string, counts: number[], utilization: number | null) => {
  const [members, seats, active, idle, activeMembers, events] = counts;
  return {
    date_day,
    team_key,
    workspace_uuid: WS,
    members,
    seats,
    active_seats_30d: active,
    idle_seats_30d: idle,
    seat_utilization_30d: utilization,
    active_members: activeMembers,
    events,
  };
};
const projectDay = (date_day: string, p: Project, counts: number[]) => {
  const [seats, active, active30, events] = counts;
  return {
    date_day,
    project_uuid: p.uuid,
    workspace_uuid: WS,
    project_key: p.key,
    seats_with_access: seats,
    active_users: active,
    active_users_30d: active30,
    events,
  };
};

// What this file reads, and what those models read: the rest of the project is other files' business.
const BUILT = [
  'stg_pr_tasks',
  'stg_group_members',
  'stg_project_group_permissions',
  'stg_project_user_permissions',
  'fct_feature_usage_daily',
  'dim_teams',
  'bridge_user_teams',
  'fct_team_utilization_daily',
  'fct_team_feature_usage_daily',
  'fct_project_utilization_daily',
  'fct_project_feature_usage_daily',
].map((model) => `+${model}`);

describeEachDialect('utilization by project, team and task', (engine) => {
  const fx = useMigratedWarehouse(engine, { setup: 400_000 });
  let resolvedBeforeReopening: Record<string, unknown>[];
  const mart = (name: string) => fx.db.table('marts', name);
  const run = async () => {
    const results = await runModels(fx.db, loadProject(SQL_DIR), { select: BUILT });
    expect(results.filter((r) => r.status !== 'success')).toEqual([]);
  };
  /** A long feature-usage fact (by team or project), sorted. */
  const featureUsage = async (model: string, keyColumn: string) =>
    sortRows(
      await fx.db.query(
        `select ${asText(fx.db, 'activity_date')} as activity_date, ${keyColumn}, workspace_uuid, feature, users, events
         from ${mart(model)}`,
      ),
      ['activity_date', keyColumn, 'feature'],
    );
  const load = { connectionId: 'c1', workspaceUuid: WS };
  const resolutions = () =>
    fx.db.query(
      `select source_record_key, user_uuid from ${fx.db.table('intermediate', 'int_user_events')}
       where feature = 'pr_task_resolved'`,
    );

  beforeAll(async () => {
    for (const [stream, records] of Object.entries(LOADS))
      await loadRecords(fx.db, { ...load, stream, records, runId: 'run-1', extractedAt: LISTED_AT });
    // Linus is missing from a later listing of backend: he left it on 5 June.
    await markDeleted(fx.db, {
      stream: 'group_members',
      connectionId: 'c1',
      runId: 'run-2',
      parentKey: BACKEND,
      keep: [ADA, GRACE].map((u) => `${BACKEND}:${u.uuid}`),
      at: '2024-06-05T08:00:00.000000Z',
    });
    await run();
    resolvedBeforeReopening = await resolutions();
    // Task 3 is reopened: the next extraction lists it UNRESOLVED, still naming who resolved it.
    await loadRecords(fx.db, {
      ...load,
      stream: 'pr_tasks',
      runId: 'run-3',
      records: [
        task(REPOS.CORE, 3, ADA, '2024-06-03T09:00:00.000000+00:00', { ...REOPENED, reopened: true }),
      ],
      extractedAt: RELISTED_AT,
    });
    await run();
  }, 400_000);

  it('staging: a reopened task, a member who left a group, project permissions typed', async () => {
    const staged = async (model: string, columns: string, key: string) =>
      plain(
        await fx.db.query(`select ${columns} from ${fx.db.table('staging', model)} where record_key = $1`, [
          key,
        ]),
      );
    expect(
      await staged(
        'stg_pr_tasks',
        'repository_uuid, pr_id, task_id, state, creator_uuid, created_on, is_pending, resolver_uuid, resolved_on, is_deleted',
        `${REPOS.CORE}:7:3`,
      ),
    ).toEqual([
      {
        repository_uuid: REPOS.CORE,
        pr_id: 7,
        task_id: 3,
        state: 'UNRESOLVED',
        creator_uuid: ADA.uuid,
        created_on: t('2024-06-03T09:00:00Z'),
        is_pending: false,
        resolver_uuid: LINUS.uuid,
        resolved_on: t(REOPENED.on),
        is_deleted: false,
      },
    ]);
    expect(
      await staged(
        'stg_group_members',
        'workspace_uuid, group_slug, group_name, group_permission, user_uuid, display_name, is_deleted, _deleted_at',
        `${BACKEND}:${LINUS.uuid}`,
      ),
    ).toEqual([
      {
        workspace_uuid: WS,
        group_slug: 'backend',
        group_name: 'Backend',
        group_permission: 'read',
        user_uuid: LINUS.uuid,
        display_name: 'Linus',
        is_deleted: true,
        _deleted_at: t('2024-06-05T08:00:00Z'),
      },
    ]);
    expect(
      await staged(
        'stg_project_group_permissions',
        'project_uuid, project_key, group_slug, group_name, permission',
        `${WEB.uuid}:frontend`,
      ),
    ).toEqual([
      {
        project_uuid: WEB.uuid,
        project_key: 'WEB',
        group_slug: 'frontend',
        group_name: 'Frontend',
        permission: 'write',
      },
    ]);
    expect(
      await staged(
        'stg_project_user_permissions',
        'project_uuid, project_key, user_uuid, display_name, permission',
        `${OPS.uuid}:${LINUS.uuid}`,
      ),
    ).toEqual([
      {
        project_uuid: OPS.uuid,
        project_key: 'OPS',
        user_uuid: LINUS.uuid,
        display_name: 'Linus',
        permission: 'read',
      },
    ]);
  });

  it('pr_task_resolved: counted while the task is resolved, retracted by the incremental run once it is reopened', async () => {
    const resolution = (repo: string, id: number, user: Account) => ({
      source_record_key: `${repo}:7:${id}`,
      user_uuid: user.uuid,
    });
    expect(sortRows(resolvedBeforeReopening, ['source_record_key'])).toEqual([
      resolution(REPOS.CORE, 1, GRACE),
      resolution(REPOS.CORE, 3, LINUS),
      resolution(REPOS.WEB, 4, IVY),
    ]);
    expect(sortRows(await resolutions(), ['source_record_key'])).toEqual([
      resolution(REPOS.CORE, 1, GRACE),
      resolution(REPOS.WEB, 4, IVY),
    ]);
    const kept = await fx.db.query(
      `select event_key, is_deleted from ${fx.db.table('intermediate', 'int_source_events')}
       where feature = 'pr_task_resolved'`,
    );
    expect(sortRows(kept, ['event_key'])).toEqual(
      [1, 2, 3]
        .map((id) => ({ event_key: `pr_task_resolved:${REPOS.CORE}:7:${id}`, is_deleted: id !== 1 }))
        .concat([{ event_key: `pr_task_resolved:${REPOS.WEB}:7:4`, is_deleted: false }]),
    );
  });

  it('fct_feature_usage_daily: task creations and resolutions by user and day', async () => {
    const rows = await fx.db.query(
      `select ${asText(fx.db, 'activity_date')} as activity_date, workspace_uuid, user_uuid, feature, events
       from ${mart('fct_feature_usage_daily')}`,
    );
    const usage = (activity_date: string, user: Account, feature: string) => ({
      activity_date,
      workspace_uuid: WS,
      user_uuid: user.uuid,
      feature,
      events: 1,
    });
    expect(sortRows(rows, ['activity_date', 'user_uuid', 'feature'])).toEqual([
      usage('2024-06-01', ADA, 'pr_task_created'),
      usage('2024-06-02', GRACE, 'pr_task_created'),
      usage('2024-06-02', GRACE, 'pr_task_resolved'),
      usage('2024-06-03', ADA, 'pr_task_created'),
      usage('2024-06-06', IVY, 'pr_task_created'),
      usage('2024-06-06', IVY, 'pr_task_resolved'),
      usage('2024-06-08', LINUS, 'commit_authored'),
    ]);
  });

  it('dim_teams: one row per group, with current members, their seats and the projects it reaches', async () => {
    const rows = await fx.db.query(
      `select team_key, workspace_uuid, group_slug, team_name, members, seats, projects, project_list
       from ${mart('dim_teams')}`,
    );
    expect(sortRows(rows, ['team_key'])).toEqual([
      {
        team_key: BACKEND,
        workspace_uuid: WS,
        group_slug: 'backend',
        team_name: 'Backend',
        members: 2,
        seats: 2,
        projects: 1,
        project_list: 'CORE',
      },
      {
        team_key: FRONTEND,
        workspace_uuid: WS,
        group_slug: 'frontend',
        team_name: 'Frontend',
        members: 3,
        seats: 2,
        projects: 1,
        project_list: 'WEB',
      },
    ]);
  });

  it('bridge_user_teams: current members, once per group, with whether they hold a seat', async () => {
    const rows = await fx.db.query(
      `select team_key, workspace_uuid, group_slug, user_uuid, display_name, holds_seat
       from ${mart('bridge_user_teams')}`,
    );
    const member = (team: string, user: Account, holdsSeat = true) => ({
      team_key: `${WS}:${team}`,
      workspace_uuid: WS,
      group_slug: team,
      user_uuid: user.uuid,
      display_name: user.display_name,
      holds_seat: holdsSeat,
    });
    expect(sortRows(rows, ['team_key', 'user_uuid'])).toEqual([
      member('backend', ADA),
      member('backend', GRACE),
      member('frontend', BOT, false),
      member('frontend', GRACE),
      member('frontend', IVY),
    ]);
  });

  it('fct_team_utilization_daily: members and seats while in the group, workspace activity, shared members in each team', async () => {
    const rows = await fx.db.query<{ date_day: string; team_key: string }>(
      `select ${asText(fx.db, 'date_day')} as date_day, team_key, workspace_uuid, members, seats, active_seats_30d,
              idle_seats_30d, seat_utilization_30d, active_members, events
       from ${mart('fct_team_utilization_daily')}`,
    );
    expect(rows).toHaveLength(2 * 10);
    const day = (date: string, team: string) => rows.find((r) => r.date_day === date && r.team_key === team);
    expect(day('2024-06-01', BACKEND)).toEqual(teamDay('2024-06-01', BACKEND, [3, 3, 1, 2, 1, 1], 0.3333));
    expect(day('2024-06-02', BACKEND)).toEqual(teamDay('2024-06-02', BACKEND, [3, 3, 2, 1, 1, 2], 0.6667));
    expect(day('2024-06-05', BACKEND)).toEqual(teamDay('2024-06-05', BACKEND, [2, 2, 2, 0, 0, 0], 1));
    // Linus's commit comes after he left backend
    expect(day('2024-06-08', BACKEND)).toEqual(teamDay('2024-06-08', BACKEND, [2, 2, 2, 0, 0, 0], 1));
    expect(day('2024-06-01', FRONTEND)).toEqual(teamDay('2024-06-01', FRONTEND, [3, 2, 0, 2, 0, 0], 0));
    // Grace's actions count in both her teams
    expect(day('2024-06-02', FRONTEND)).toEqual(teamDay('2024-06-02', FRONTEND, [3, 2, 1, 1, 1, 2], 0.5));
    expect(day('2024-06-06', FRONTEND)).toEqual(teamDay('2024-06-06', FRONTEND, [3, 2, 2, 0, 1, 2], 1));
    expect(day('2024-06-10', FRONTEND)).toEqual(teamDay('2024-06-10', FRONTEND, [3, 2, 2, 0, 0, 0], 1));
  });

  it('fct_team_feature_usage_daily: the members’ actions by feature', async () => {
    expect(await featureUsage('fct_team_feature_usage_daily', 'team_key')).toEqual(
      usedOnce('team_key', [
        ['2024-06-01', BACKEND, 'pr_task_created'],
        ['2024-06-02', BACKEND, 'pr_task_created'],
        ['2024-06-02', BACKEND, 'pr_task_resolved'],
        ['2024-06-02', FRONTEND, 'pr_task_created'],
        ['2024-06-02', FRONTEND, 'pr_task_resolved'],
        ['2024-06-03', BACKEND, 'pr_task_created'],
        ['2024-06-06', FRONTEND, 'pr_task_created'],
        ['2024-06-06', FRONTEND, 'pr_task_resolved'],
      ]),
    );
  });

  describe('projects', () => {
    it('fct_project_utilization_daily: seats reaching the project through a group or directly, users acting in it', async () => {
      const rows = await fx.db.query<{ date_day: string; project_uuid: string }>(
        `select ${asText(fx.db, 'date_day')} as date_day, project_uuid, workspace_uuid, project_key, seats_with_access,
                active_users, active_users_30d, events
         from ${mart('fct_project_utilization_daily')}`,
      );
      expect(rows).toHaveLength(3 * 10);
      const day = (date: string, p: Project) =>
        rows.find((r) => r.date_day === date && r.project_uuid === p.uuid);
      // backend's three (Linus until he left it) and Ivy directly
      expect(day('2024-06-01', CORE)).toEqual(projectDay('2024-06-01', CORE, [4, 1, 1, 1]));
      expect(day('2024-06-02', CORE)).toEqual(projectDay('2024-06-02', CORE, [4, 1, 2, 2]));
      expect(day('2024-06-05', CORE)).toEqual(projectDay('2024-06-05', CORE, [3, 0, 2, 0]));
      // frontend's seats (not the bot's); Grace, also there directly, counts once
      expect(day('2024-06-05', WEB)).toEqual(projectDay('2024-06-05', WEB, [2, 0, 0, 0]));
      expect(day('2024-06-06', WEB)).toEqual(projectDay('2024-06-06', WEB, [2, 1, 1, 2]));
      // no group: Linus's direct permission only
      expect(day('2024-06-07', OPS)).toEqual(projectDay('2024-06-07', OPS, [1, 0, 0, 0]));
      expect(day('2024-06-08', OPS)).toEqual(projectDay('2024-06-08', OPS, [1, 1, 1, 1]));
      expect(day('2024-06-10', OPS)).toEqual(projectDay('2024-06-10', OPS, [1, 0, 1, 0]));
    });

    it('fct_project_feature_usage_daily: actions in the project’s repositories by feature', async () => {
      expect(await featureUsage('fct_project_feature_usage_daily', 'project_uuid')).toEqual(
        usedOnce('project_uuid', [
          ['2024-06-01', CORE.uuid, 'pr_task_created'],
          ['2024-06-02', CORE.uuid, 'pr_task_created'],
          ['2024-06-02', CORE.uuid, 'pr_task_resolved'],
          ['2024-06-03', CORE.uuid, 'pr_task_created'],
          ['2024-06-06', WEB.uuid, 'pr_task_created'],
          ['2024-06-06', WEB.uuid, 'pr_task_resolved'],
          ['2024-06-08', OPS.uuid, 'commit_authored'],
        ]),
      );
    });
  });
});
