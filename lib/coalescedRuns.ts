// One run at a time, and no more runs than needed: a caller that arrives while a run is going
// waits for the next run, which every such caller shares (it starts after the current one ends,
// so it sees everything the callers wrote before asking). Used for transforms after syncs: ten
// syncs finishing together cost two transform runs, not ten concurrent ones fighting over tables.
export function coalescedRuns(run: () => Promise<void>): () => Promise<void> {
  let current: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const start = (): Promise<void> => {
    const p = run().finally(() => {
      if (current === p) current = undefined;
    });
    current = p;
    return p;
  };
  return () => {
    if (!current) return start();
    if (!next) {
      const after = current.catch(() => undefined);
      next = after.then(() => {
        next = undefined;
        return start();
      });
    }
    return next;
  };
}
