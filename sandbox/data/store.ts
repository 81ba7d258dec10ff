// The sandbox's state: the world, the clock, and repositories simulated on demand. A bounded
// cache keeps memory flat at large scale: an evicted repository is simply simulated again.
import { LRUCache } from 'lru-cache';
import type {
  DirectProjectPermission,
  Group,
  GroupMembership,
  Project,
  ProjectPermission,
  RepositoryMeta,
  Workspace,
} from './model';
import { RepositorySimulation } from './repository';
import type { Scale } from './scales';
import { generateWorld, isMemberAt, repositoryExistsAt, type World } from './world';

export class SandboxStore {
  readonly world: World;
  private clockMs: number;
  private readonly repositories: LRUCache<string, RepositorySimulation>;

  constructor(
    seed: number,
    scale: Scale,
    epochMs: number,
    cachedRepositories = 8,
    repositoryNames: Readonly<Record<string, string>> = {},
  ) {
    this.world = generateWorld(seed, scale, epochMs, repositoryNames);
    this.clockMs = epochMs;
    this.repositories = new LRUCache({ max: cachedRepositories });
  }

  get nowMs(): number {
    return this.clockMs;
  }

  /** Moves the clock forward: new activity appears, runs finish, members and repositories may go. */
  advance(byMs: number): void {
    if (!(byMs >= 0)) throw new RangeError('the clock only moves forward');
    this.clockMs += Math.floor(byMs);
  }

  workspace(idOrSlug: string): Workspace | undefined {
    return this.world.workspaces.find((w) => w.slug === idOrSlug || w.uuid === idOrSlug);
  }

  /** Repositories that exist now (created, not removed). */
  liveRepositories(ws: Workspace): RepositoryMeta[] {
    return ws.repositories.filter((r) => repositoryExistsAt(r, this.clockMs));
  }

  repository(ws: Workspace, idOrSlug: string): RepositoryMeta | undefined {
    return this.liveRepositories(ws).find((r) => r.slug === idOrSlug || r.uuid === idOrSlug);
  }

  /**
   * Checks a rename of a workspace, or of one of its live repositories (the uuid stays, the slug
   * changes, as on Bitbucket), and returns the change to apply: now or later (control API).
   */
  renaming(target: { workspace: string; repository?: string }, to: string): () => void {
    const ws = this.workspace(target.workspace);
    if (!ws) throw new RangeError(`no workspace ${target.workspace}`);
    if (target.repository === undefined) {
      if (this.workspace(to)) throw new RangeError(`a workspace ${to} exists already`);
      return () => {
        ws.slug = to;
      };
    }
    const repo = this.repository(ws, target.repository);
    if (!repo) throw new RangeError(`no repository ${ws.slug}/${target.repository}`);
    if (this.repository(ws, to)) throw new RangeError(`a repository ${ws.slug}/${to} exists already`);
    return () => {
      repo.slug = to;
    };
  }

  /** Checks a deletion of a live repository and returns it to apply: it then answers 404 everywhere. */
  deleting(target: { workspace: string; repository: string }): () => void {
    const ws = this.workspace(target.workspace);
    const repo = ws && this.repository(ws, target.repository);
    if (!repo) throw new RangeError(`no repository ${target.workspace}/${target.repository}`);
    return () => {
      repo.deletedAtMs = this.clockMs;
    };
  }

  /** A branch of commits made earlier, pushed now (RangeError: no such repository). */
  pushingMadeEarlier(
    target: { workspace: string; repository: string },
    push: { branch: string; commits: number; hoursAgo: number },
  ): () => void {
    const ws = this.workspace(target.workspace);
    const repo = ws && this.repository(ws, target.repository);
    if (!ws || !repo) throw new RangeError(`no repository ${target.workspace}/${target.repository}`);
    return () => {
      this.simulation(ws, repo).pushMadeEarlier(push.branch, push.commits, push.hoursAgo);
    };
  }

  /** Finds a live repository by uuid in any workspace (`/repositories/{}/{uuid}`). */
  repositoryByUuid(uuid: string): { ws: Workspace; repo: RepositoryMeta } | undefined {
    for (const ws of this.world.workspaces) {
      const repo = this.liveRepositories(ws).find((r) => r.uuid === uuid);
      if (repo) return { ws, repo };
    }
    return undefined;
  }

  currentMembers(ws: Workspace) {
    return ws.members.filter((m) => isMemberAt(m, this.clockMs));
  }

  /** A group's members now: in the group, and still in the workspace. */
  groupMembers(ws: Workspace, group: Group): GroupMembership[] {
    const inWorkspace = new Set(this.currentMembers(ws).map((m) => m.userIdx));
    return group.members.filter(
      (g) =>
        g.addedMs <= this.clockMs &&
        (g.removedAtMs === undefined || g.removedAtMs > this.clockMs) &&
        inWorkspace.has(g.userIdx),
    );
  }

  /** Direct user permissions on a project now (they lapse when the user leaves the workspace). */
  projectUserPermissions(ws: Workspace, project: Project): DirectProjectPermission[] {
    const inWorkspace = new Set(this.currentMembers(ws).map((m) => m.userIdx));
    return ws.directProjectPermissions.filter(
      (d) => d.projectKey === project.key && inWorkspace.has(d.userIdx),
    );
  }

  /** The groups granted a permission on a project. */
  projectGroups(ws: Workspace, project: Project): Array<{ group: Group; permission: ProjectPermission }> {
    return ws.groups.flatMap((group) =>
      group.projects
        .filter((p) => p.projectKey === project.key)
        .map((p) => ({ group, permission: p.permission })),
    );
  }

  /** The repository's data at the current clock. */
  simulation(ws: Workspace, repo: RepositoryMeta): RepositorySimulation {
    const key = `${ws.idx}/${repo.idx}`;
    let sim = this.repositories.get(key);
    if (!sim || sim.nowMs > this.clockMs) {
      sim = new RepositorySimulation({
        seed: this.world.seed,
        workspace: ws,
        repository: repo,
        users: this.world.users,
        prsPerDay: this.world.spec.prsPerRepoDay,
        historyStartMs: this.world.historyStartMs,
      });
      this.repositories.set(key, sim);
    }
    sim.advanceTo(this.clockMs);
    return sim;
  }
}
