// The workspace-level world: people, workspaces, memberships, projects and repository metadata.
// Small at every scale, so it is generated whole at start. Changes the clock will bring (members
// leaving, repositories removed) are drawn here too, as future timestamps, so that what the API
// shows is a pure function of the clock.

import { generateDirectPermissions, generateGroups } from './groups';
import { DAY_MS, type Instant, type Membership, type User, type UserProfile, type Workspace } from './model';
import { FIRST_NAMES, LANGUAGES, LAST_NAMES, PROJECT_NAMES, REPO_WORDS } from './names';
import { Rng } from './random';
import { SCALE_SPECS, type Scale, type ScaleSpec, type WorkspaceSpec } from './scales';

export interface World {
  seed: number;
  scale: Scale;
  spec: ScaleSpec;
  /** The clock's starting value; history lies before it. */
  epochMs: number;
  historyStartMs: number;
  users: User[];
  workspaces: Workspace[];
}

/** How long after the epoch the pre-drawn future changes reach. */
const FUTURE_DAYS = 730;

export function instantAt(ms: number, rng: Rng): Instant {
  return { ms: Math.floor(ms), us: rng.int(0, 999) };
}

function makeUser(
  idx: number,
  profile: UserProfile,
  rng: Rng,
  historyStartMs: number,
  epochMs: number,
): User {
  const first = FIRST_NAMES[idx % FIRST_NAMES.length] as string;
  const last = LAST_NAMES[Math.floor(idx / FIRST_NAMES.length + idx * 7) % LAST_NAMES.length] as string;
  const bot = profile === 'bot';
  const displayName = bot ? `Deploy Bot ${idx}` : `${first} ${last}`;
  const nickname = bot ? `deploy-bot-${idx}` : `${first.toLowerCase()}${idx}`;
  const span = epochMs - historyStartMs;
  const activeUntilMs =
    profile === 'idle'
      ? epochMs - rng.int(45, 150) * DAY_MS
      : profile === 'left'
        ? historyStartMs + rng.float() * span * 0.7
        : profile === 'never'
          ? historyStartMs
          : Number.POSITIVE_INFINITY;
  return {
    idx,
    uuid: rng.uuid(),
    accountId: `712020:${rng.hex(8)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}`,
    displayName,
    nickname,
    email: bot ? `bot-${idx}@apps.example` : `${nickname}@acme.example`,
    kind: bot ? 'app_user' : 'user',
    profile,
    createdOn: instantAt(historyStartMs - rng.int(30, 2000) * DAY_MS, rng),
    weight: profile === 'bot' ? 0.3 : rng.pareto(1.3),
    activeUntilMs,
  };
}

function drawProfile(rng: Rng): UserProfile {
  const r = rng.float();
  if (r < 0.64) return 'regular';
  if (r < 0.77) return 'idle';
  if (r < 0.88) return 'never';
  return 'left';
}

function makeWorkspace(
  spec: WorkspaceSpec,
  idx: number,
  world: Omit<World, 'workspaces'>,
  first: Workspace | undefined,
  repositoryNames: Readonly<Record<string, string>>,
): Workspace {
  const rng = new Rng(world.seed, ['workspace', idx]);
  const { historyStartMs, epochMs } = world;
  const members: Membership[] = [];
  const addMember = (userIdx: number, permission: Membership['permission']) => {
    const user = world.users[userIdx] as User;
    const addedMs = Math.max(user.createdOn.ms, historyStartMs - rng.int(0, 400) * DAY_MS);
    const member: Membership = { userIdx, permission, addedOn: instantAt(addedMs, rng) };
    if (user.profile === 'left') member.removedAtMs = user.activeUntilMs + rng.int(1, 20) * DAY_MS;
    members.push(member);
  };

  // The first three people are the sandbox's login users (demo, admin, member): always present.
  addMember(0, 'owner');
  if (idx === 0) {
    addMember(1, 'owner');
    addMember(2, 'member');
  }
  const shared = first
    ? first.members
        .filter((m) => m.userIdx > 2 && (m.removedAtMs === undefined || m.removedAtMs > epochMs))
        .slice(0, spec.sharedWithFirst)
    : [];
  for (const m of shared) addMember(m.userIdx, 'member');
  // One app user (bot) per workspace, the rest new people.
  while (members.length < spec.members) {
    const userIdx = world.users.length;
    const profile = members.length === spec.members - 1 ? 'bot' : drawProfile(rng);
    world.users.push(makeUser(userIdx, profile, rng.fork('user', userIdx), historyStartMs, epochMs));
    addMember(userIdx, rng.chance(0.08) ? 'collaborator' : 'member');
  }

  // Future departures: about one member every two months leaves after the epoch.
  for (let day = 1; day < FUTURE_DAYS; day += 1) {
    if (!rng.chance(1 / 60)) continue;
    const candidates = members.filter((m) => m.permission !== 'owner' && m.removedAtMs === undefined);
    if (candidates.length === 0) break;
    const leaving = rng.pick(candidates);
    leaving.removedAtMs = epochMs + day * DAY_MS + rng.int(0, DAY_MS - 1);
  }

  const projects = rng.sample(PROJECT_NAMES, spec.projects).map(([key, name]) => {
    const created = instantAt(historyStartMs - rng.int(10, 600) * DAY_MS, rng);
    return {
      uuid: rng.uuid(),
      key,
      name,
      description: `${name} services and tooling`,
      isPrivate: true,
      createdOn: created,
      updatedOn: instantAt(
        Math.max(created.ms, historyStartMs + rng.float() * (epochMs - historyStartMs)),
        rng,
      ),
    };
  });

  const repositories = Array.from({ length: spec.repositories }, (_, r) => {
    const word = REPO_WORDS[r % REPO_WORDS.length] as string;
    const slug = r < REPO_WORDS.length ? word : `${word}-${Math.floor(r / REPO_WORDS.length) + 1}`;
    // Most repositories predate the history window; a few are created during it.
    const createdMs = rng.chance(0.8)
      ? historyStartMs - rng.int(1, 500) * DAY_MS
      : historyStartMs + rng.float() * (epochMs - historyStartMs) * 0.8;
    return {
      idx: r,
      uuid: rng.uuid(),
      slug,
      name: repositoryNames[slug] ?? slug,
      description: `The ${word} service`,
      projectKey: (projects[r % projects.length] as { key: string }).key,
      language: rng.pick(LANGUAGES),
      isPrivate: true,
      createdOn: instantAt(createdMs, rng),
      activity: 0.3 + rng.exponential(0.7),
      hasNightlyBuild: rng.chance(0.5),
      // Now and then the clock removes a repository (about one a quarter per workspace).
      deletedAtMs: rng.chance(0.25) && r > 0 ? epochMs + rng.int(20, FUTURE_DAYS) * DAY_MS : undefined,
    };
  });

  const createdOn = instantAt(historyStartMs - rng.int(400, 1500) * DAY_MS, rng);
  // Groups draw from their own stream, so the rest of the workspace is as it was without them.
  const access = { members, projects, users: world.users, historyStartMs, epochMs };
  const groupRng = new Rng(world.seed, ['groups', idx]);
  return {
    idx,
    uuid: rng.uuid(),
    slug: spec.slug,
    name: spec.name,
    isPrivate: true,
    createdOn,
    updatedOn: instantAt(historyStartMs - rng.int(1, 300) * DAY_MS, rng),
    membershipTimestamps: idx === 0,
    members,
    projects,
    repositories,
    groups: generateGroups(groupRng, access),
    directProjectPermissions: generateDirectPermissions(groupRng.fork('direct'), access),
  };
}

/** `repositoryNames`: display names by repository slug, instead of the slug itself. */
export function generateWorld(
  seed: number,
  scale: Scale,
  epochMs: number,
  repositoryNames: Readonly<Record<string, string>> = {},
): World {
  const spec = SCALE_SPECS[scale];
  const historyStartMs = epochMs - spec.historyDays * DAY_MS;
  const rng = new Rng(seed, ['people']);
  const users = [0, 1, 2].map((i) => makeUser(i, 'regular', rng.fork('user', i), historyStartMs, epochMs));
  const partial = { seed, scale, spec, epochMs, historyStartMs, users };
  const workspaces: Workspace[] = [];
  spec.workspaces.forEach((ws, i) => {
    workspaces.push(makeWorkspace(ws, i, partial, workspaces[0], repositoryNames));
  });
  return { ...partial, workspaces };
}

/** Is this member part of the workspace at `nowMs`? */
export function isMemberAt(m: Membership, nowMs: number): boolean {
  return m.addedOn.ms <= nowMs && (m.removedAtMs === undefined || m.removedAtMs > nowMs);
}

export function repositoryExistsAt(repo: Workspace['repositories'][number], nowMs: number): boolean {
  return repo.createdOn.ms <= nowMs && (repo.deletedAtMs === undefined || repo.deletedAtMs > nowMs);
}
