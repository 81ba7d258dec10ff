// Peak resident memory of a process, from Linux's /proc (VmHWM), and its reset: each benchmark
// part resets this process's peak first, so a part's number is not an earlier part's.
import { readFileSync, writeFileSync } from 'node:fs';

export function peakRssMb(pid: number | 'self' = 'self'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

/** Sets this process's peak to its current resident size (clear_refs 5, Linux 4.0+). */
export function resetPeakRss(): void {
  globalThis.gc?.();
  writeFileSync('/proc/self/clear_refs', '5');
}
