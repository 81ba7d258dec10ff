// User groups and project permissions of one workspace. Groups are teams ("backend",
// "frontend", "platform"…): most people are in one, some in two, a few in none. Each group may
// use one or more projects (the last project of a workspace with several is left to direct
// grants only), and a few people hold direct project permissions. Future changes (someone
// joining or leaving a group) are drawn here as timestamps, like the workspace's departures;
// leaving the workspace ends every group membership too (store.groupMembers).
import {
  DAY_MS,
  type DirectProjectPermission,
  type Group,
  type Membership,
  type Project,
  type ProjectPermission,
  type User,
} from './model';
import { GROUP_NAMES } from './names';
import type { Rng } from './random';

const PROJECT_PERMISSIONS: readonly ProjectPermission[] = ['read', 'write', 'create-repo', 'admin'];
/** How far after the epoch the drawn group changes reach. */
const FUTURE_DAYS = 730;

export interface GroupInput {
  members: readonly Membership[];
  projects: readonly Project[];
  users: readonly User[];
  historyStartMs: number;
  epochMs: number;
}

function groupCount(people: number): number {
  return Math.min(GROUP_NAMES.length, 3 + Math.floor(people / 40));
}

export function generateGroups(rng: Rng, input: GroupInput): Group[] {
  const people = input.members.filter((m) => (input.users[m.userIdx] as User).kind === 'user');
  const withGroups = input.projects.length > 1 ? input.projects.slice(0, -1) : input.projects;
  const groups: Group[] = GROUP_NAMES.slice(0, groupCount(people.length)).map(([slug, name], i) => ({
    slug,
    name,
    permission: i === 0 ? null : rng.pick(['read', 'write'] as const),
    autoAdd: false,
    members: [],
    projects: rng.sample(withGroups, rng.int(1, Math.min(2, withGroups.length))).map((p) => ({
      projectKey: p.key,
      permission: rng.pick(PROJECT_PERMISSIONS),
    })),
  }));
  const join = (group: Group, m: Membership) => {
    const addedMs = Math.max(m.addedOn.ms, input.historyStartMs - rng.int(0, 200) * DAY_MS);
    group.members.push({ userIdx: m.userIdx, addedMs });
  };
  people.forEach((m, i) => {
    if (i > 0 && rng.chance(0.1)) return; // no team
    const [first, second] = rng.sample(groups, 2) as [Group, Group];
    join(first, m);
    // The first person is in two teams, so there always is someone who is.
    if (i === 0 || rng.chance(0.2)) join(second, m);
  });
  // After the epoch: now and then someone joins another team or leaves one.
  for (let day = 1; day < FUTURE_DAYS; day += 1) {
    if (!rng.chance(1 / 45)) continue;
    const group = rng.pick(groups);
    const atMs = input.epochMs + day * DAY_MS + rng.int(0, DAY_MS - 1);
    const current = group.members.filter((g) => g.removedAtMs === undefined);
    const outsiders = people.filter((p) => !group.members.some((g) => g.userIdx === p.userIdx));
    if (rng.chance(0.5) && current.length > 1) rng.pick(current).removedAtMs = atMs;
    else if (outsiders.length > 0)
      group.members.push({ userIdx: rng.pick(outsiders).userIdx, addedMs: atMs });
  }
  return groups;
}

/** A few people (the owner among them) hold direct permissions on some projects. */
export function generateDirectPermissions(rng: Rng, input: GroupInput): DirectProjectPermission[] {
  const people = input.members.filter((m) => (input.users[m.userIdx] as User).kind === 'user');
  const holders = [people[0], ...rng.sample(people.slice(1), Math.min(3, people.length - 1))];
  return holders.flatMap((m) =>
    m
      ? rng.sample(input.projects, rng.int(1, input.projects.length)).map((p) => ({
          projectKey: p.key,
          userIdx: m.userIdx,
          permission: m.permission === 'owner' ? 'admin' : rng.pick(PROJECT_PERMISSIONS),
        }))
      : [],
  );
}
