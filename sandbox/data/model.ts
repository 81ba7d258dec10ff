// The sandbox's internal records: compact, timestamps in epoch milliseconds plus a microsecond
// part, users by index. sandbox/render/ turns them into Bitbucket's JSON shapes.

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

/**
 * A point in time: epoch ms plus extra microseconds (0-999), so timestamps carry up to 6 fraction
 * digits (pipelines and deployments, written with `Z`, drop trailing zeros; some keep milliseconds only).
 */
export interface Instant {
  ms: number;
  us: number;
}

export type UserProfile = 'regular' | 'idle' | 'never' | 'bot' | 'left';

export interface User {
  idx: number;
  uuid: string;
  accountId: string;
  displayName: string;
  nickname: string;
  email: string;
  kind: 'user' | 'app_user';
  profile: UserProfile;
  createdOn: Instant;
  /** Relative share of the work this person does (heavy-tailed). */
  weight: number;
  /** The person stops acting after this time (idle members, members who left). */
  activeUntilMs: number;
}

export interface Membership {
  userIdx: number;
  permission: 'owner' | 'collaborator' | 'member';
  addedOn: Instant;
  /** Set when the member was removed from the workspace. */
  removedAtMs?: number;
}

export interface Project {
  uuid: string;
  key: string;
  name: string;
  description: string;
  isPrivate: boolean;
  createdOn: Instant;
  updatedOn: Instant;
}

/** A project permission (API 2.0 permissions-config). */
export type ProjectPermission = 'read' | 'write' | 'create-repo' | 'admin';

/** A user's direct permission on a project; it lapses when the user leaves the workspace. */
export interface DirectProjectPermission {
  projectKey: string;
  userIdx: number;
  permission: ProjectPermission;
}

/** A person's time in a group; workspace membership bounds it too (see store.groupMembers). */
export interface GroupMembership {
  userIdx: number;
  addedMs: number;
  removedAtMs?: number;
}

/** A workspace user group (teams such as "backend"): members, and the projects it may use. */
export interface Group {
  slug: string;
  name: string;
  /** The v1 group's default repository privilege; null for a group that grants none by default. */
  permission: 'read' | 'write' | 'admin' | null;
  autoAdd: boolean;
  members: GroupMembership[];
  projects: Array<{ projectKey: string; permission: ProjectPermission }>;
}

export interface RepositoryMeta {
  idx: number;
  uuid: string;
  slug: string;
  name: string;
  description: string;
  projectKey: string;
  language: string;
  isPrivate: boolean;
  createdOn: Instant;
  /** How busy this repository is relative to the workspace's average. */
  activity: number;
  hasNightlyBuild: boolean;
  /** Set when the clock removed the repository: it answers 404 and leaves every list. */
  deletedAtMs?: number;
}

export interface Workspace {
  idx: number;
  uuid: string;
  slug: string;
  name: string;
  isPrivate: boolean;
  createdOn: Instant;
  updatedOn: Instant;
  /** admin.atlassian.com-managed workspaces no longer report membership timestamps. */
  membershipTimestamps: boolean;
  members: Membership[];
  projects: Project[];
  repositories: RepositoryMeta[];
  groups: Group[];
  directProjectPermissions: DirectProjectPermission[];
}

export interface Commit {
  hash: string;
  date: Instant;
  /** Index of a Bitbucket user, or undefined when the author email maps to no account. */
  authorIdx?: number;
  authorRaw: string;
  message: string;
  parents: string[];
}

export interface Branch {
  name: string;
  headHash: string;
}

export type PullRequestState = 'OPEN' | 'MERGED' | 'DECLINED' | 'SUPERSEDED';

export interface Participant {
  userIdx: number;
  role: 'PARTICIPANT' | 'REVIEWER';
  approved: boolean;
  state: 'approved' | 'changes_requested' | null;
  participatedOn?: Instant;
}

export interface PrComment {
  id: number;
  createdOn: Instant;
  updatedOn: Instant;
  userIdx: number;
  text: string;
  deleted: boolean;
  parentId?: number;
  inline?: { path: string; to: number };
}

/** A pull request task: opened by a reviewer, resolved (sometimes reopened) by the author. */
export interface PrTask {
  id: number;
  createdOn: Instant;
  updatedOn: Instant;
  creatorIdx: number;
  text: string;
  state: 'RESOLVED' | 'UNRESOLVED';
  resolvedOn?: Instant;
  resolvedByIdx?: number;
  /** The comment the task was raised on, if any. */
  commentId?: number;
}

export type PrActivity =
  | { kind: 'comment'; at: Instant; commentId: number }
  | { kind: 'approval'; at: Instant; userIdx: number }
  | { kind: 'changes_requested'; at: Instant; userIdx: number }
  | { kind: 'update'; at: Instant; userIdx: number; state: PullRequestState; sourceHash: string };

export interface PullRequest {
  id: number;
  title: string;
  description: string;
  state: PullRequestState;
  authorIdx: number;
  createdOn: Instant;
  updatedOn: Instant;
  sourceBranch: string;
  destinationBranch: string;
  sourceHash: string;
  destinationHash: string;
  mergeHash?: string;
  closedByIdx?: number;
  reason: string;
  draft: boolean;
  closeSourceBranch: boolean;
  participants: Participant[];
  comments: PrComment[];
  tasks: PrTask[];
  /** How many tasks the reviewers will raise (drawn when the pull request opens). */
  plannedTasks: number;
  activity: PrActivity[];
  commitHashes: string[];
  linesAdded: number;
  linesRemoved: number;
  filesChanged: number;
}

export type PipelineTrigger = 'PUSH' | 'PULL_REQUEST' | 'MANUAL' | 'SCHEDULE';
export type RunState = 'PENDING' | 'IN_PROGRESS' | 'COMPLETED';
/**
 * What an IN_PROGRESS run is doing: RUNNING; PAUSED (its deployment waits while another pipeline
 * deploys); HALTED (its automatic steps are done and a manual step waits to be triggered, maybe forever).
 */
export type RunStage = 'RUNNING' | 'PAUSED' | 'HALTED';
/** EXPIRED: the run waited for a build agent until it expired, without running a step. */
export type PipelineResult = 'SUCCESSFUL' | 'FAILED' | 'ERROR' | 'STOPPED' | 'EXPIRED';
/** READY: queued to run (waiting for its pipeline to go on); PENDING: not started (a manual step: not triggered). */
export type StepState = 'PENDING' | 'READY' | 'IN_PROGRESS' | 'COMPLETED';

export interface PipelineStep {
  uuid: string;
  name: string;
  image: string;
  /** Runs only when someone triggers it (a deployment step). */
  manual?: boolean;
  startedOn?: Instant;
  completedOn?: Instant;
  state: StepState;
  result?: PipelineResult | 'NOT_RUN';
  buildSeconds: number;
}

export interface Pipeline {
  uuid: string;
  buildNumber: number;
  creatorIdx?: number;
  trigger: PipelineTrigger;
  refName: string;
  commitHash: string;
  pullRequestId?: number;
  createdOn: Instant;
  completedOn?: Instant;
  state: RunState;
  /** Set while IN_PROGRESS. */
  stage?: RunStage;
  result?: PipelineResult;
  buildSeconds: number;
  steps: PipelineStep[];
  /** Optional fields this run's answers leave out, as some real answers do. */
  omits?: { trigger?: boolean; buildSeconds?: boolean };
}

export interface Environment {
  uuid: string;
  name: string;
  slug: string;
  type: 'Test' | 'Staging' | 'Production';
  rank: number;
}

export interface Deployment {
  uuid: string;
  environmentUuid: string;
  /** The answer names the environment without its uuid (seen in real answers). */
  environmentWithoutUuid?: boolean;
  pipelineUuid: string;
  stepUuid: string;
  commitHash: string;
  releaseName: string;
  deployerIdx?: number;
  /** When the deployment (and its release) was created. */
  createdOn: Instant;
  /** Unset while UNDEPLOYED (its manual step not triggered yet). */
  startedOn?: Instant;
  completedOn?: Instant;
  state: 'UNDEPLOYED' | 'IN_PROGRESS' | 'COMPLETED';
  status?: 'SUCCESSFUL' | 'FAILED' | 'STOPPED';
  lastUpdate: Instant;
}

/** Everything inside one repository at the current clock. */
export interface RepositoryData {
  commits: Commit[];
  branches: Branch[];
  pullRequests: PullRequest[];
  pipelines: Pipeline[];
  environments: Environment[];
  deployments: Deployment[];
}
