// Changes to the world that the control API schedules "after N more API requests", so a test can
// make something happen in the middle of a sync (a repository renamed between two of its lists)
// without racing the sync from outside.
export class PendingChanges {
  private served = 0;
  private queue: Array<{ at: number; apply: () => void }> = [];

  /** Applies `apply` now (after = 0) or when `after` more API requests have arrived. */
  schedule(after: number, apply: () => void): void {
    if (after === 0) apply();
    else this.queue.push({ at: this.served + after, apply });
  }

  /** Called for every API request, before it is answered. */
  onApiRequest(): void {
    this.served += 1;
    const due = this.queue.filter((c) => c.at <= this.served);
    if (!due.length) return;
    this.queue = this.queue.filter((c) => c.at > this.served);
    for (const change of due) change.apply();
  }

  get pending(): number {
    return this.queue.length;
  }
}
