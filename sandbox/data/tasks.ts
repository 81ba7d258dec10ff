// Pull request tasks in the simulation. About 30% of pull requests get 1-4 tasks, raised by a
// reviewer at their first review (some on a comment of theirs); the author resolves them when
// pushing a fix and at merge (most, not all); a later review now and then reopens a resolved one;
// a declined pull request keeps what was still open. Every change happens inside an event that
// already touches the pull request, so its updated_on moves with its tasks.
import type { Instant, PrTask, PullRequest } from './model';
import { TASKS } from './names';
import type { Rng } from './random';

const MINUTE_MS = 60_000;

/** What the task rules need from the simulation: its clock and the next task id. */
export interface TaskContext {
  nowMs: number;
  at: (ms: number, rng: Rng) => Instant;
  nextTaskId: () => number;
}

/** How many tasks the reviewers will raise on a new pull request. */
export function plannedTaskCount(rng: Rng): number {
  return rng.chance(0.3) ? rng.int(1, 4) : 0;
}

function resolve(task: PrTask, ms: number, byIdx: number, ctx: TaskContext, rng: Rng): void {
  const at = ctx.at(ms, rng);
  Object.assign(task, { state: 'RESOLVED', resolvedOn: at, resolvedByIdx: byIdx, updatedOn: at });
}

/** A reviewer's review: raises the planned tasks the first time, may reopen a resolved one later. */
export function reviewTasks(pr: PullRequest, reviewerIdx: number, ctx: TaskContext, rng: Rng): void {
  const missing = pr.plannedTasks - pr.tasks.length;
  if (missing > 0) {
    const comments = pr.comments.filter((c) => c.userIdx === reviewerIdx && !c.deleted);
    for (let i = missing - 1; i >= 0; i -= 1) {
      // Raised a minute or so apart, the last one now; never before the pull request existed.
      const created = ctx.at(Math.max(pr.createdOn.ms + 1, ctx.nowMs - i * rng.int(1, 3) * MINUTE_MS), rng);
      const comment = comments.length > 0 && rng.chance(0.5) ? rng.pick(comments) : undefined;
      pr.tasks.push({
        id: ctx.nextTaskId(),
        createdOn: created,
        updatedOn: created,
        creatorIdx: reviewerIdx,
        text: rng.pick(TASKS),
        state: 'UNRESOLVED',
        commentId: comment?.id,
      });
    }
    return;
  }
  for (const task of pr.tasks) {
    if (task.state !== 'RESOLVED' || task.creatorIdx !== reviewerIdx || !rng.chance(0.25)) continue;
    Object.assign(task, {
      state: 'UNRESOLVED',
      resolvedOn: undefined,
      resolvedByIdx: undefined,
      updatedOn: ctx.at(ctx.nowMs, rng),
    });
  }
}

/** The author works through the open tasks: each is resolved with probability `share`. */
export function resolveTasks(pr: PullRequest, share: number, ctx: TaskContext, rng: Rng): void {
  for (const task of pr.tasks) {
    if (task.state !== 'UNRESOLVED' || !rng.chance(share)) continue;
    const ms = Math.max(task.updatedOn.ms, ctx.nowMs - rng.int(1, 30) * MINUTE_MS);
    resolve(task, ms, pr.authorIdx, ctx, rng);
  }
}
