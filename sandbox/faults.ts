// Fault injection, switchable at runtime through the control API: the failures a live
// Bitbucket shows now and then, on demand and reproducible (seeded).
import { z } from 'zod';
import { Rng } from './data/random';

export const faultSettingsSchema = z
  .object({
    /** Share of API requests answered 500/502/503. */
    errorRate: z.number().min(0).max(1),
    /** Chance that a request starts a burst of 429s (rate-limit answers not caused by our budget). */
    burst429Rate: z.number().min(0).max(1),
    /** How many consecutive requests a 429 burst lasts. */
    burst429Length: z.number().int().min(1),
    /** Added latency per API request, in milliseconds. */
    latencyMs: z.number().min(0),
    /** Share of API requests whose connection is reset before any answer. */
    resetRate: z.number().min(0).max(1),
    /** Share of successful JSON answers cut off mid-body. */
    truncateRate: z.number().min(0).max(1),
    /** Chance that fetching page 2 or later first moves the clock (new records at the head). */
    pageDriftRate: z.number().min(0).max(1),
    /** How far the clock moves on a drift, in seconds. */
    pageDriftSeconds: z.number().min(0),
    /**
     * Paths (regular expressions, matched against the path without its query) answered 404
     * "Resource not found" after auth: one list that Bitbucket refuses while its parent is there.
     */
    notFoundPaths: z.array(z.string().refine(isRegExp, { message: 'must be a valid regular expression' })),
    /**
     * Share of pull requests whose `comment_count` and `task_count` read 0 (in the list and the single
     * GET) although they have comments or tasks: counts a client must not trust to skip child lists.
     * The same pull requests lie on every request (chosen by seed, repository and id); a higher share
     * keeps the ones a lower share chose.
     */
    childCountsZeroRate: z.number().min(0).max(1),
  })
  .strict();

export type FaultSettings = z.infer<typeof faultSettingsSchema>;

export const NO_FAULTS: FaultSettings = {
  errorRate: 0,
  burst429Rate: 0,
  burst429Length: 3,
  latencyMs: 0,
  resetRate: 0,
  truncateRate: 0,
  pageDriftRate: 0,
  pageDriftSeconds: 3600,
  notFoundPaths: [],
  childCountsZeroRate: 0,
};

function isRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

export type FaultKind =
  | 'error'
  | 'burst429'
  | 'reset'
  | 'truncate'
  | 'drift'
  | 'notFound'
  | 'childCountsZero';

export class Faults {
  settings: FaultSettings = { ...NO_FAULTS };
  /** `notFoundPaths`, compiled once per update rather than on every request. */
  private notFoundPatterns: RegExp[] = [];
  readonly injected: Record<FaultKind, number> = {
    error: 0,
    burst429: 0,
    reset: 0,
    truncate: 0,
    drift: 0,
    notFound: 0,
    childCountsZero: 0,
  };
  private burstLeft = 0;
  private readonly rng: Rng;

  constructor(private readonly seed: number) {
    this.rng = new Rng(seed, ['faults']);
  }

  update(patch: Partial<FaultSettings>): FaultSettings {
    this.settings = faultSettingsSchema.parse({ ...this.settings, ...patch });
    this.notFoundPatterns = this.settings.notFoundPaths.map((source) => new RegExp(source));
    return this.settings;
  }

  private roll(kind: FaultKind, rate: number): boolean {
    if (rate <= 0 || !this.rng.chance(rate)) return false;
    this.injected[kind] += 1;
    return true;
  }

  reset(): boolean {
    return this.roll('reset', this.settings.resetRate);
  }

  serverError(): number | undefined {
    return this.roll('error', this.settings.errorRate) ? this.rng.pick([500, 502, 503]) : undefined;
  }

  burst429(): boolean {
    if (this.burstLeft === 0 && this.roll('burst429', this.settings.burst429Rate)) {
      this.burstLeft = this.settings.burst429Length;
    }
    if (this.burstLeft === 0) return false;
    this.burstLeft -= 1;
    return true;
  }

  truncate(): boolean {
    return this.roll('truncate', this.settings.truncateRate);
  }

  /** True when `path` is one of the lists made to answer 404. */
  notFound(path: string): boolean {
    if (!this.notFoundPatterns.some((pattern) => pattern.test(path))) return false;
    this.injected.notFound += 1;
    return true;
  }

  drift(): number {
    return this.roll('drift', this.settings.pageDriftRate) ? this.settings.pageDriftSeconds * 1000 : 0;
  }

  /** Zeroes a rendered pull request's `comment_count` and `task_count` if it is one of the chosen share. */
  zeroChildCounts(repositoryUuid: string, pullRequest: Record<string, unknown>): void {
    const rate = this.settings.childCountsZeroRate;
    if (rate <= 0 || (!pullRequest.comment_count && !pullRequest.task_count)) return;
    // A draw of its own per pull request, not from the request stream: the same PRs lie every time.
    if (!new Rng(this.seed, ['childCountsZero', repositoryUuid, String(pullRequest.id)]).chance(rate)) return;
    pullRequest.comment_count = 0;
    pullRequest.task_count = 0;
    this.injected.childCountsZero += 1;
  }
}
