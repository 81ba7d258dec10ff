// Discrete-event simulation of one repository's life. Each day brings arrivals (pull requests,
// direct pushes, scheduled builds) drawn from that day's own random stream; each arrival
// schedules its follow-ups (reviews, comments, merges, pipeline completions, deployments) at
// future times. `advanceTo(t)` runs every event up to t, so the state at a clock value does not
// depend on how the clock got there, and a repository can be regenerated from scratch anytime.
import TinyQueue from 'tinyqueue';
import {
  type Commit,
  DAY_MS,
  type Deployment,
  type Environment,
  HOUR_MS,
  type Instant,
  type Pipeline,
  type PipelineResult,
  type PipelineStep,
  type PipelineTrigger,
  type PrComment,
  type PullRequest,
  type PullRequestState,
  type RepositoryData,
  type RepositoryMeta,
  type User,
  type Workspace,
} from './model';
import { AREAS, COMMENTS, IMAGES, STEP_NAMES, UNKNOWN_AUTHORS, VERBS } from './names';
import { Rng } from './random';
import { plannedTaskCount, resolveTasks, reviewTasks, type TaskContext } from './tasks';
import { isMemberAt } from './world';

const MINUTE_MS = 60_000;
/** How a manual deployment step ends once triggered. */
const MANUAL_RESULTS: ReadonlyArray<[PipelineResult, number]> = [
  ['SUCCESSFUL', 0.93],
  ['FAILED', 0.05],
  ['STOPPED', 0.02],
];

interface RunOptions {
  pullRequestId?: number;
  stepNames?: string[];
  onSuccess?: (pipeline: Pipeline, rng: Rng) => void;
}

interface SimEvent {
  ms: number;
  seq: number;
  /** 0 for a history event; else the number of a side event (see scheduleSide). */
  side: number;
  run: (rng: Rng) => void;
}

export interface RepositoryContext {
  seed: number;
  workspace: Workspace;
  repository: RepositoryMeta;
  users: readonly User[];
  prsPerDay: number;
  /** Activity starts here (older repositories have just their initial commit before it). */
  historyStartMs: number;
}

export class RepositorySimulation {
  readonly data: RepositoryData = {
    commits: [],
    branches: [],
    pullRequests: [],
    pipelines: [],
    environments: [],
    deployments: [],
  };
  /** The clock value the data reflects. */
  nowMs: number;
  private readonly queue = new TinyQueue<SimEvent>(
    [],
    (a, b) => a.ms - b.ms || a.seq - b.seq || a.side - b.side,
  );
  private seq = 0;
  private sideSeq = 0;
  private readonly rng: Rng;
  private readonly commitsByHash = new Map<string, Commit>();
  private mainHead = '';
  private commentCount = 0;
  private taskCount = 0;

  constructor(private readonly ctx: RepositoryContext) {
    this.rng = new Rng(ctx.seed, ['repository', ctx.workspace.idx, ctx.repository.idx]);
    const created = ctx.repository.createdOn.ms;
    this.nowMs = created - 1;
    this.schedule(created, (rng) => this.initialize(rng));
    const firstDay = startOfDay(Math.max(created, ctx.historyStartMs)) + DAY_MS;
    this.schedule(firstDay, () => this.dayTick(firstDay));
  }

  /** Runs every event up to and including `untilMs`. The clock never goes back. */
  advanceTo(untilMs: number): void {
    for (let next = this.queue.peek(); next && next.ms <= untilMs; next = this.queue.peek()) {
      this.queue.pop();
      // Handlers read the current time from nowMs: it is the event's own time while it runs.
      this.nowMs = Math.max(this.nowMs, next.ms);
      next.run(next.side === 0 ? this.rng.fork('event', next.seq) : this.rng.fork('side', next.side));
    }
    this.nowMs = Math.max(this.nowMs, untilMs);
  }

  private schedule(ms: number, run: (rng: Rng) => void): void {
    this.seq += 1;
    this.queue.push({ ms: Math.floor(ms), seq: this.seq, side: 0, run });
  }

  /**
   * An event that only moves a pipeline or deployment through its states (paused, halted, a
   * manual step). It has its own numbering and random stream, so the history events keep theirs:
   * adding such detail does not reshuffle the rest of the generated history.
   */
  private scheduleSide(ms: number, run: (rng: Rng) => void): void {
    this.sideSeq += 1;
    this.queue.push({ ms: Math.floor(ms), seq: this.seq, side: this.sideSeq, run });
  }

  private at(ms: number, rng: Rng): Instant {
    return { ms: Math.floor(ms), us: rng.int(0, 999) };
  }

  /** The task rules' view of the simulation (their draws use a fork, leaving the event's own). */
  private tasks(): TaskContext {
    return {
      nowMs: this.nowMs,
      at: (ms, rng) => this.at(ms, rng),
      nextTaskId: () => {
        this.taskCount += 1;
        return (this.ctx.workspace.idx * 1000 + this.ctx.repository.idx + 1) * 1_000_000 + this.taskCount;
      },
    };
  }

  // ---- people -------------------------------------------------------------------------------

  private activeMembers(ms: number): User[] {
    return this.ctx.workspace.members
      .filter((m) => isMemberAt(m, ms))
      .map((m) => this.ctx.users[m.userIdx] as User)
      .filter((u) => u.kind === 'user' && u.activeUntilMs > ms && u.profile !== 'never');
  }

  private actor(ms: number, rng: Rng, except: number[] = []): User | undefined {
    const people = this.activeMembers(ms).filter((u) => !except.includes(u.idx));
    return people.length > 0 ? rng.weighted(people, (u) => u.weight) : undefined;
  }

  private bot(ms: number): User | undefined {
    return this.ctx.workspace.members
      .filter((m) => isMemberAt(m, ms))
      .map((m) => this.ctx.users[m.userIdx] as User)
      .find((u) => u.kind === 'app_user');
  }

  // ---- git --------------------------------------------------------------------------------

  private commit(
    ms: number,
    rng: Rng,
    parent: string | undefined,
    author: User | string,
    message: string,
  ): Commit {
    const hash = rng.hex(40);
    const known = typeof author !== 'string';
    // Some people commit from an address Bitbucket does not know: a raw author without a user.
    const linked = known && rng.chance(0.9);
    const commit: Commit = {
      hash,
      date: this.at(ms, rng),
      authorIdx: linked ? author.idx : undefined,
      authorRaw: known
        ? `${author.displayName} <${linked ? author.email : `${author.nickname}@users.noreply.example`}>`
        : author,
      message,
      parents: parent ? [parent] : [],
    };
    this.data.commits.push(commit);
    this.commitsByHash.set(hash, commit);
    return commit;
  }

  private setBranch(name: string, headHash: string): void {
    const branch = this.data.branches.find((b) => b.name === name);
    if (branch) branch.headHash = headHash;
    else this.data.branches.push({ name, headHash });
  }

  private deleteBranch(name: string): void {
    const i = this.data.branches.findIndex((b) => b.name === name);
    if (i >= 0) this.data.branches.splice(i, 1);
  }

  private title(rng: Rng): string {
    return `${rng.pick(VERBS)} ${rng.pick(AREAS)}`;
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  private initialize(rng: Rng): void {
    const owner = this.ctx.users[0] as User;
    const first = this.commit(this.ctx.repository.createdOn.ms, rng, undefined, owner, 'Initial commit');
    this.mainHead = first.hash;
    this.setBranch('main', first.hash);
    const types: Environment['type'][] = ['Test', 'Staging', 'Production'];
    this.data.environments = types.map((type, rank) => ({
      uuid: rng.uuid(),
      name: type,
      slug: type.toLowerCase(),
      type,
      rank,
    }));
  }

  private dayTick(dayMs: number): void {
    const rng = this.rng.fork('day', dayMs / DAY_MS);
    const weekday = new Date(dayMs).getUTCDay();
    const workFactor = weekday === 0 || weekday === 6 ? 0.12 : 1;
    const rate = this.ctx.prsPerDay * this.ctx.repository.activity * workFactor;
    const workMs = () => dayMs + 7 * HOUR_MS + rng.float() * 11 * HOUR_MS;
    for (let i = rng.poisson(rate); i > 0; i -= 1) this.schedule(workMs(), (r) => this.openPullRequest(r));
    for (let i = rng.poisson(rate * 0.6); i > 0; i -= 1) this.schedule(workMs(), (r) => this.directPush(r));
    for (let i = rng.poisson(rate * 0.05); i > 0; i -= 1) {
      this.schedule(workMs(), (r) => {
        const who = this.actor(this.nowMs, r);
        if (who) this.runPipeline(this.nowMs, r, 'MANUAL', 'main', this.mainHead, who.idx);
      });
    }
    if (this.ctx.repository.hasNightlyBuild) {
      this.schedule(dayMs + 2 * HOUR_MS + rng.int(0, 10 * MINUTE_MS), (r) =>
        this.runPipeline(this.nowMs, r, 'SCHEDULE', 'main', this.mainHead, undefined),
      );
    }
    this.schedule(dayMs + DAY_MS, () => this.dayTick(dayMs + DAY_MS));
  }

  private directPush(rng: Rng): void {
    const ms = this.nowMs;
    const who = rng.chance(0.25) ? rng.pick(UNKNOWN_AUTHORS) : this.actor(ms, rng);
    if (!who) return;
    const commit = this.commit(ms, rng, this.mainHead, who, `${this.title(rng)}\n\nDirect push to main.`);
    this.mainHead = commit.hash;
    this.setBranch('main', commit.hash);
    if (rng.chance(0.6)) {
      this.runPipeline(ms, rng, 'PUSH', 'main', commit.hash, typeof who === 'string' ? undefined : who.idx);
    }
  }

  private touch(pr: PullRequest, ms: number, rng: Rng): Instant {
    const at = this.at(ms, rng);
    pr.updatedOn = at;
    return at;
  }

  private openPullRequest(rng: Rng): void {
    const ms = this.nowMs;
    const author = this.actor(ms, rng);
    if (!author) return;
    const id = this.data.pullRequests.length + 1;
    const title = this.title(rng);
    const branch = `feature/${id}-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
    let parent = this.mainHead;
    const commitHashes: string[] = [];
    const commits = rng.int(1, 4);
    for (let i = 0; i < commits; i += 1) {
      const when = ms - (commits - i) * rng.exponential(3 * HOUR_MS);
      parent = this.commit(when, rng, parent, author, `${title} (part ${i + 1})`).hash;
      commitHashes.push(parent);
    }
    this.setBranch(branch, parent);
    const reviewers = this.activeMembers(ms)
      .filter((u) => u.idx !== author.idx)
      .slice(0)
      .sort((a, b) => b.weight - a.weight);
    const chosen = rng.sample(reviewers.slice(0, 8), rng.int(1, 3));
    const created = this.at(ms, rng);
    const pr: PullRequest = {
      id,
      title,
      description: `This change will ${title.toLowerCase()}.`,
      state: 'OPEN',
      authorIdx: author.idx,
      createdOn: created,
      updatedOn: created,
      sourceBranch: branch,
      destinationBranch: 'main',
      sourceHash: parent,
      destinationHash: this.mainHead,
      reason: '',
      draft: rng.chance(0.05),
      closeSourceBranch: rng.chance(0.8),
      participants: chosen.map((u) => ({ userIdx: u.idx, role: 'REVIEWER', approved: false, state: null })),
      comments: [],
      tasks: [],
      plannedTasks: plannedTaskCount(rng.fork('tasks')),
      activity: [{ kind: 'update', at: created, userIdx: author.idx, state: 'OPEN', sourceHash: parent }],
      commitHashes,
      linesAdded: Math.round(rng.exponential(120)) + 1,
      linesRemoved: Math.round(rng.exponential(40)),
      filesChanged: rng.int(1, 12),
    };
    this.data.pullRequests.push(pr);
    this.runPipeline(ms, rng, 'PULL_REQUEST', branch, parent, author.idx, { pullRequestId: id });

    let lastReviewMs = ms;
    for (const reviewer of chosen) {
      if (!rng.chance(0.85)) continue;
      const reviewMs = ms + rng.exponential(6 * HOUR_MS) + 10 * MINUTE_MS;
      lastReviewMs = Math.max(lastReviewMs, reviewMs);
      if (rng.chance(0.2)) {
        this.schedule(reviewMs, (r) => this.requestChanges(pr, reviewer.idx, r));
        const fixMs = reviewMs + rng.exponential(8 * HOUR_MS) + 20 * MINUTE_MS;
        this.schedule(fixMs, (r) => this.pushFix(pr, r));
        const approveMs = fixMs + rng.exponential(4 * HOUR_MS) + 5 * MINUTE_MS;
        this.schedule(approveMs, (r) => this.approve(pr, reviewer.idx, r));
        lastReviewMs = Math.max(lastReviewMs, approveMs);
      } else {
        this.schedule(reviewMs, (r) => this.approve(pr, reviewer.idx, r));
      }
    }
    for (let i = rng.poisson(2.5); i > 0; i -= 1) {
      const commentMs = ms + rng.exponential(10 * HOUR_MS) + MINUTE_MS;
      const r = rng.float();
      const who =
        r < 0.05
          ? this.bot(ms)?.idx
          : r < 0.45
            ? author.idx
            : rng.pick(chosen.length ? chosen : [author]).idx;
      if (who !== undefined) this.schedule(commentMs, (er) => this.comment(pr, who, er));
    }
    const closeMs = Math.max(ms + rng.exponential(36 * HOUR_MS), lastReviewMs + rng.exponential(2 * HOUR_MS));
    const outcome = rng.float();
    if (outcome < 0.8) this.schedule(closeMs, (r) => this.close(pr, 'MERGED', r));
    else if (outcome < 0.92) this.schedule(closeMs, (r) => this.close(pr, 'DECLINED', r));
    else if (outcome < 0.96) this.schedule(closeMs, (r) => this.close(pr, 'SUPERSEDED', r));
    // else: a long-lived pull request that stays open.
  }

  private participant(pr: PullRequest, userIdx: number) {
    let p = pr.participants.find((x) => x.userIdx === userIdx);
    if (!p) {
      p = { userIdx, role: 'PARTICIPANT', approved: false, state: null };
      pr.participants.push(p);
    }
    return p;
  }

  private approve(pr: PullRequest, userIdx: number, rng: Rng): void {
    if (pr.state !== 'OPEN') return;
    const at = this.touch(pr, this.nowMs, rng);
    Object.assign(this.participant(pr, userIdx), { approved: true, state: 'approved', participatedOn: at });
    pr.activity.push({ kind: 'approval', at, userIdx });
    reviewTasks(pr, userIdx, this.tasks(), rng.fork('tasks'));
  }

  private requestChanges(pr: PullRequest, userIdx: number, rng: Rng): void {
    if (pr.state !== 'OPEN') return;
    const at = this.touch(pr, this.nowMs, rng);
    Object.assign(this.participant(pr, userIdx), {
      approved: false,
      state: 'changes_requested',
      participatedOn: at,
    });
    pr.activity.push({ kind: 'changes_requested', at, userIdx });
    reviewTasks(pr, userIdx, this.tasks(), rng.fork('tasks'));
  }

  private pushFix(pr: PullRequest, rng: Rng): void {
    if (pr.state !== 'OPEN') return;
    const author = this.ctx.users[pr.authorIdx] as User;
    const fix = this.commit(this.nowMs, rng, pr.sourceHash, author, `Address review comments on ${pr.title}`);
    pr.sourceHash = fix.hash;
    pr.commitHashes.push(fix.hash);
    this.setBranch(pr.sourceBranch, fix.hash);
    const at = this.touch(pr, this.nowMs, rng);
    pr.activity.push({ kind: 'update', at, userIdx: pr.authorIdx, state: 'OPEN', sourceHash: fix.hash });
    resolveTasks(pr, 1, this.tasks(), rng.fork('tasks'));
    this.runPipeline(this.nowMs, rng, 'PULL_REQUEST', pr.sourceBranch, fix.hash, pr.authorIdx, {
      pullRequestId: pr.id,
    });
  }

  private comment(pr: PullRequest, userIdx: number, rng: Rng): void {
    if (pr.state !== 'OPEN' && !rng.chance(0.1)) return;
    const at = this.touch(pr, this.nowMs, rng);
    this.commentCount += 1;
    const parent = pr.comments.length > 0 && rng.chance(0.25) ? rng.pick(pr.comments) : undefined;
    const comment: PrComment = {
      id: (this.ctx.workspace.idx * 1000 + this.ctx.repository.idx + 1) * 1_000_000 + this.commentCount,
      createdOn: at,
      updatedOn: at,
      userIdx,
      text: rng.pick(COMMENTS),
      deleted: false,
      parentId: parent?.id,
      inline: rng.chance(0.3)
        ? { path: `src/${rng.pick(AREAS).replace(/ /g, '_')}.ts`, to: rng.int(1, 400) }
        : undefined,
    };
    pr.comments.push(comment);
    pr.activity.push({ kind: 'comment', at, commentId: comment.id });
    // A few comments are deleted later: Bitbucket keeps them, flagged `deleted: true`.
    if (rng.chance(0.05)) {
      this.schedule(this.nowMs + rng.exponential(12 * HOUR_MS) + MINUTE_MS, (r) => {
        comment.deleted = true;
        comment.updatedOn = this.touch(pr, this.nowMs, r);
      });
    }
  }

  private close(pr: PullRequest, state: PullRequestState, rng: Rng): void {
    if (pr.state !== 'OPEN') return;
    const ms = this.nowMs;
    const closer =
      state === 'MERGED'
        ? (this.actor(ms, rng, []) ?? (this.ctx.users[pr.authorIdx] as User))
        : (this.ctx.users[pr.authorIdx] as User);
    const at = this.touch(pr, ms, rng);
    pr.state = state;
    pr.closedByIdx = closer.idx;
    pr.reason = state === 'DECLINED' ? 'Not needed any more' : '';
    pr.activity.push({ kind: 'update', at, userIdx: closer.idx, state, sourceHash: pr.sourceHash });
    // Most tasks are done before a merge; a declined pull request keeps what was still open.
    if (state === 'MERGED') resolveTasks(pr, 0.9, this.tasks(), rng.fork('tasks'));
    if (state === 'MERGED') {
      const merge = this.commit(
        ms,
        rng,
        this.mainHead,
        closer,
        `Merged in ${pr.sourceBranch} (pull request #${pr.id})`,
      );
      merge.parents.push(pr.sourceHash);
      this.mainHead = merge.hash;
      this.setBranch('main', merge.hash);
      pr.mergeHash = merge.hash;
      pr.destinationHash = merge.hash;
      this.runPipeline(ms, rng, 'PUSH', 'main', merge.hash, closer.idx, {
        onSuccess: (build, r) => this.scheduleDeployments(build, r),
      });
      if (pr.closeSourceBranch) this.deleteBranch(pr.sourceBranch);
    }
  }

  // ---- pipelines and deployments ---------------------------------------------------------------
  //
  // A run's history (when it starts and ends, its result, the deployments a success starts) is
  // drawn from the event's stream as it always was. How it shows on the way (paused, halted at a
  // manual step, expired while pending, which optional fields its answers leave out, how many
  // fraction digits its times keep) is drawn from the run's own stream and moved by side events,
  // so that detail does not reshuffle the rest of the history.

  /** An instant of a pipeline or deployment; `millis`: this one's clock keeps milliseconds only. */
  private runInstant(ms: number, rng: Rng, millis: boolean): Instant {
    const at = this.at(ms, rng);
    if (millis) at.us = 0;
    return at;
  }

  private runPipeline(
    ms: number,
    rng: Rng,
    trigger: PipelineTrigger,
    refName: string,
    commitHash: string,
    creatorIdx: number | undefined,
    options: RunOptions = {},
  ): Pipeline {
    const names = options.stepNames ?? rng.sample(STEP_NAMES, rng.int(1, 3));
    const buildNumber = this.data.pipelines.length + 1;
    const look = this.rng.fork('pipeline', buildNumber);
    const millis = look.chance(0.25);
    const omitsTrigger = look.chance(0.02);
    const omitsBuildSeconds = look.chance(0.03);
    // A build of main that ends in a manual deployment step (pushes, nightly and manual runs; a
    // merge's build deploys by itself, and a promotion is its own deployment).
    const manual = look.chance(0.08) && refName === 'main' && !options.onSuccess && !options.stepNames;
    const manualPlan = {
      triggered: look.chance(0.7),
      waitMs: 5 * MINUTE_MS + look.exponential(3 * HOUR_MS),
      seconds: Math.round(20 + look.exponential(90)),
      result: look.weighted(MANUAL_RESULTS, ([, share]) => share)[0],
    };
    const expiresMs = ms + HOUR_MS + look.exponential(3 * HOUR_MS);
    const when = (t: number, r: Rng) => this.runInstant(t, r, millis);
    const pipeline: Pipeline = {
      uuid: rng.uuid(),
      buildNumber,
      creatorIdx,
      trigger,
      refName,
      commitHash,
      pullRequestId: options.pullRequestId,
      createdOn: when(ms, rng),
      state: 'PENDING',
      buildSeconds: 0,
      steps: names.map((name) => ({
        uuid: rng.uuid(),
        name,
        image: rng.pick(IMAGES),
        state: 'PENDING',
        buildSeconds: 0,
      })),
    };
    if (omitsTrigger || omitsBuildSeconds)
      pipeline.omits = { trigger: omitsTrigger, buildSeconds: omitsBuildSeconds };
    const manualStep: PipelineStep | undefined = manual
      ? {
          uuid: look.uuid(),
          name: 'Deploy to staging',
          image: IMAGES[0] as string,
          manual,
          state: 'PENDING',
          buildSeconds: 0,
        }
      : undefined;
    if (manualStep) pipeline.steps.push(manualStep);
    this.data.pipelines.push(pipeline);
    const startMs = ms + 5_000 + rng.exponential(30_000);
    // Most runs take minutes; some wait paused for hours (their deployment waits for another one).
    const paused = rng.chance(0.05) ? rng.exponential(6 * HOUR_MS) : 0;
    const durations = names.map(() => Math.round(30 + rng.exponential(150)));
    const r = rng.float();
    const result: PipelineResult =
      r < 0.85 ? 'SUCCESSFUL' : r < 0.96 ? 'FAILED' : r < 0.975 ? 'ERROR' : r < 0.99 ? 'STOPPED' : 'EXPIRED';
    const failAt = result === 'SUCCESSFUL' ? names.length : rng.int(0, names.length - 1);
    // The pause comes before the second step (before the only one of a one-step run).
    const pauseAt = names.length > 1 ? 1 : 0;
    const windows: Array<[number, number]> = [];
    let t = startMs;
    durations.forEach((seconds, i) => {
      if (i === pauseAt) t += paused;
      windows.push([t, t + seconds * 1000]);
      t += seconds * 1000;
    });
    const showsPause = paused > 0 && result !== 'EXPIRED' && failAt >= pauseAt;
    const step = (i: number) => pipeline.steps[i] as PipelineStep;

    this.schedule(startMs, (er) => {
      const startedOn = when(startMs, er);
      // An expiring run never gets a build agent: it stays PENDING until it expires.
      if (result === 'EXPIRED') return;
      pipeline.state = 'IN_PROGRESS';
      if (showsPause && pauseAt === 0) {
        pipeline.stage = 'PAUSED';
        step(0).state = 'READY';
        return;
      }
      pipeline.stage = 'RUNNING';
      Object.assign(step(0), { state: 'IN_PROGRESS', startedOn });
    });
    if (showsPause) {
      const resumeMs = (windows[pauseAt] as [number, number])[0];
      if (pauseAt > 0) {
        this.scheduleSide(resumeMs - paused, (sr) => {
          for (let i = 0; i < pauseAt; i += 1) this.finishStep(step(i), windows[i], 'SUCCESSFUL', sr, when);
          pipeline.stage = 'PAUSED';
          step(pauseAt).state = 'READY';
        });
      }
      this.scheduleSide(resumeMs, (sr) => {
        pipeline.stage = 'RUNNING';
        Object.assign(step(pauseAt), { state: 'IN_PROGRESS', startedOn: when(resumeMs, sr) });
      });
    }
    const endMs = result === 'EXPIRED' ? expiresMs : t;
    this.schedule(endMs, (er) => {
      names.forEach((_, i) => {
        if (result === 'EXPIRED' || i > failAt) {
          const notRun = result === 'EXPIRED' && i === 0 ? 'EXPIRED' : 'NOT_RUN';
          Object.assign(step(i), { state: 'COMPLETED', result: notRun, buildSeconds: 0 });
          return;
        }
        this.finishStep(step(i), windows[i], i === failAt ? result : 'SUCCESSFUL', er, when);
      });
      if (manualStep && result === 'SUCCESSFUL') {
        this.halt(pipeline, manualStep, manualPlan, er, when);
        return;
      }
      if (manualStep) Object.assign(manualStep, { state: 'COMPLETED', result: 'NOT_RUN' });
      this.complete(pipeline, result, when(endMs, er));
      if (result === 'SUCCESSFUL') options.onSuccess?.(pipeline, er);
    });
    return pipeline;
  }

  /** A step that ran from window[0] to window[1]; times already shown (while paused) stay as shown. */
  private finishStep(
    step: PipelineStep,
    window: [number, number] | undefined,
    result: PipelineResult,
    rng: Rng,
    when: (t: number, r: Rng) => Instant,
  ): void {
    const [from, to] = window ?? [this.nowMs, this.nowMs];
    const startedOn = when(from, rng);
    const completedOn = when(to, rng);
    Object.assign(step, {
      state: 'COMPLETED',
      result,
      startedOn: step.startedOn ?? startedOn,
      completedOn: step.completedOn ?? completedOn,
      buildSeconds: Math.round((to - from) / 1000),
    });
  }

  private complete(pipeline: Pipeline, result: PipelineResult, at: Instant): void {
    pipeline.state = 'COMPLETED';
    delete pipeline.stage;
    pipeline.result = result;
    pipeline.completedOn = at;
    pipeline.buildSeconds = pipeline.steps.reduce((sum, s) => sum + s.buildSeconds, 0);
  }

  /**
   * The automatic steps passed: the run halts at its manual deployment step, whose deployment is
   * UNDEPLOYED until someone triggers it. Some never do: the run stays IN_PROGRESS, HALTED.
   */
  private halt(
    pipeline: Pipeline,
    step: PipelineStep,
    plan: { triggered: boolean; waitMs: number; seconds: number; result: PipelineResult },
    rng: Rng,
    when: (t: number, r: Rng) => Instant,
  ): void {
    pipeline.stage = 'HALTED';
    const staging = this.data.environments.find((e) => e.type === 'Staging');
    const halted = when(this.nowMs, rng);
    const deployment: Deployment | undefined = staging && {
      uuid: rng.uuid(),
      environmentUuid: staging.uuid,
      pipelineUuid: pipeline.uuid,
      stepUuid: step.uuid,
      commitHash: pipeline.commitHash,
      releaseName: `release-${pipeline.buildNumber}`,
      createdOn: halted,
      state: 'UNDEPLOYED',
      lastUpdate: halted,
    };
    if (deployment) {
      this.deploymentLook(deployment);
      this.data.deployments.push(deployment);
    }
    if (!plan.triggered) return;
    const triggerMs = this.nowMs + plan.waitMs;
    this.scheduleSide(triggerMs, (sr) => {
      const who = this.actor(this.nowMs, sr);
      const at = when(this.nowMs, sr);
      pipeline.stage = 'RUNNING';
      Object.assign(step, { state: 'IN_PROGRESS', startedOn: at });
      if (deployment)
        Object.assign(deployment, {
          state: 'IN_PROGRESS',
          deployerIdx: who?.idx,
          startedOn: at,
          lastUpdate: at,
        });
    });
    this.scheduleSide(triggerMs + plan.seconds * 1000, (sr) => {
      const at = when(this.nowMs, sr);
      Object.assign(step, {
        state: 'COMPLETED',
        result: plan.result,
        completedOn: at,
        buildSeconds: plan.seconds,
      });
      this.complete(pipeline, plan.result, at);
      if (deployment) {
        const status = plan.result === 'SUCCESSFUL' || plan.result === 'STOPPED' ? plan.result : 'FAILED';
        Object.assign(deployment, { state: 'COMPLETED', status, completedOn: at, lastUpdate: at });
      }
    });
  }

  /** How a deployment shows, from its own stream: its clock's precision, its environment without a uuid, a stop. */
  private deploymentLook(deployment: Deployment): { millis: boolean; stopped: boolean } {
    const look = this.rng.fork('deployment', deployment.uuid);
    const millis = look.chance(0.25);
    if (look.chance(0.03)) deployment.environmentWithoutUuid = true;
    return { millis, stopped: look.chance(0.03) };
  }

  /** After a merge's build succeeds: deploy to Test, then sometimes promote to Staging and Production. */
  private scheduleDeployments(build: Pipeline, rng: Rng): void {
    const [test, staging, production] = this.data.environments;
    if (!test || !staging || !production) return;
    const release = `release-${build.buildNumber}`;
    const deployMs = this.nowMs + MINUTE_MS;
    this.schedule(deployMs, (r) => this.deploy(test, build, release, build.creatorIdx, r));
    if (!rng.chance(0.5)) return;
    const stagingMs = deployMs + rng.exponential(4 * HOUR_MS) + 10 * MINUTE_MS;
    this.schedule(stagingMs, (r) => this.promote(staging, build, release, r));
    if (!rng.chance(0.6)) return;
    const productionMs = stagingMs + rng.exponential(12 * HOUR_MS) + 30 * MINUTE_MS;
    this.schedule(productionMs, (r) => this.promote(production, build, release, r));
  }

  private promote(environment: Environment, build: Pipeline, release: string, rng: Rng): void {
    const deployer = this.actor(this.nowMs, rng);
    const pipeline = this.runPipeline(this.nowMs, rng, 'MANUAL', 'main', build.commitHash, deployer?.idx, {
      stepNames: [`Deploy to ${environment.name.toLowerCase()}`],
    });
    this.deploy(environment, pipeline, release, deployer?.idx, rng);
  }

  private deploy(
    environment: Environment,
    pipeline: Pipeline,
    release: string,
    deployerIdx: number | undefined,
    rng: Rng,
  ) {
    const step = pipeline.steps.filter((s) => !s.manual).at(-1);
    if (!step) return;
    const started = this.at(this.nowMs, rng);
    const deployment: Deployment = {
      uuid: rng.uuid(),
      environmentUuid: environment.uuid,
      pipelineUuid: pipeline.uuid,
      stepUuid: step.uuid,
      commitHash: pipeline.commitHash,
      releaseName: release,
      deployerIdx,
      createdOn: started,
      startedOn: started,
      state: 'IN_PROGRESS',
      lastUpdate: started,
    };
    const look = this.deploymentLook(deployment);
    if (look.millis) started.us = 0;
    this.data.deployments.push(deployment);
    const failed = rng.chance(environment.type === 'Production' ? 0.08 : 0.05);
    this.schedule(this.nowMs + 2 * MINUTE_MS + rng.exponential(3 * MINUTE_MS), (r) => {
      deployment.state = 'COMPLETED';
      deployment.status = failed ? 'FAILED' : look.stopped ? 'STOPPED' : 'SUCCESSFUL';
      deployment.completedOn = this.runInstant(this.nowMs, r, look.millis);
      deployment.lastUpdate = deployment.completedOn;
    });
  }

  commitByHash(hash: string): Commit | undefined {
    return this.commitsByHash.get(hash);
  }

  /**
   * Someone pushes a branch of `count` commits made `hoursAgo` hours ago, a minute apart, on top
   * of `main`: git dates a commit when it is made, not when it is pushed, so these sort below
   * commits already listed. Returns the new head.
   */
  pushMadeEarlier(branch: string, count: number, hoursAgo: number): string {
    const rng = this.rng.fork('push', branch);
    const author = this.actor(this.nowMs, rng) ?? 'Someone <someone@example.com>';
    let head = this.data.branches.find((b) => b.name === 'main')?.headHash;
    for (let i = 0; i < count; i++) {
      const ms = Math.min(this.nowMs, this.nowMs - hoursAgo * HOUR_MS + i * MINUTE_MS);
      head = this.commit(ms, rng, head, author, `${this.title(rng)} (${i + 1}/${count})`).hash;
    }
    if (head) this.setBranch(branch, head);
    return head ?? '';
  }

  /**
   * The commit a revision names, as git resolves one: a branch name, or a commit hash (whole, or
   * abbreviated to 7 or more characters naming one commit).
   */
  resolveRevision(revision: string): Commit | undefined {
    const branch = this.data.branches.find((b) => b.name === revision);
    if (branch) return this.commitByHash(branch.headHash);
    if (!/^[0-9a-f]{7,40}$/.test(revision)) return undefined;
    const exact = this.commitByHash(revision);
    if (exact) return exact;
    const matches = this.data.commits.filter((c) => c.hash.startsWith(revision));
    return matches.length === 1 ? matches[0] : undefined;
  }

  /** The hashes of these commits and all their ancestors (`git rev-list`). */
  ancestry(tips: readonly Commit[]): Set<string> {
    const seen = new Set<string>();
    const todo = tips.map((c) => c.hash);
    for (let hash = todo.pop(); hash !== undefined; hash = todo.pop()) {
      if (seen.has(hash)) continue;
      seen.add(hash);
      for (const parent of this.commitByHash(hash)?.parents ?? []) if (!seen.has(parent)) todo.push(parent);
    }
    return seen;
  }
}

function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}
