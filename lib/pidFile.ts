// Small JSON files that say "process <pid> owns this": the PGlite lock and the embedded Temporal
// dev server's state file. A file is created atomically (written aside, then hard-linked into
// place, so no reader ever sees half of one) and is valid while its process lives. A file whose
// process is gone is stale and is taken over; the takeover happens under a guard directory, so
// two processes that find the same stale file never both end up believing they own it.

import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createFileExclusive } from './files';

export interface PidFileContent {
  /** The process whose life keeps the file valid. */
  pid: number;
  /** Unique per claim: tells one claim from another by the same pid. */
  token: string;
}

export interface PidFileClaim {
  /** Replaces the data (and, with `pid`, the process that keeps the file valid), atomically. */
  update(data: Record<string, unknown> & { pid?: number }): void;
  /** Removes the file if it is still this claim's; safe to call twice. */
  release(): void;
}

export type ClaimResult<T> = { claim: PidFileClaim } | { holder: PidFileContent & Partial<T> };

/** Claims this process holds, by token; released on exit in case the owner never got to it. */
const held = new Map<string, string>();
process.on('exit', () => {
  for (const [token, path] of held) removeIfOurs(path, token);
});

const GUARD_STALE_MS = 10_000;

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Undefined when there is no file; an unreadable file comes back without a pid (so: stale). */
export function readPidFile<T>(path: string): (PidFileContent & Partial<T>) | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as PidFileContent & Partial<T>;
  } catch {
    return {} as PidFileContent & Partial<T>;
  }
}

/** True while the file's process runs. Our own pid counts only for claims made by this process:
 * after a restart a recycled pid (pid 1 in a container) must not keep a dead claim alive. */
export function isLive(holder: Partial<PidFileContent>): boolean {
  const { pid, token } = holder;
  if (!Number.isInteger(pid) || (pid as number) <= 0) return false;
  if (pid === process.pid) return held.has(token ?? '');
  return pidAlive(pid as number);
}

function createExclusive(path: string, content: PidFileContent): boolean {
  return createFileExclusive(path, `${JSON.stringify(content)}\n`, { mode: 0o600, tempTag: content.token });
}

function removeIfOurs(path: string, token: string): void {
  if (readPidFile(path)?.token === token) rmSync(path, { force: true });
  held.delete(token);
}

/** Removes the stale file, unless it changed hands since it was read. */
function takeOver(path: string, staleToken: string | undefined): void {
  const guard = `${path}.takeover`;
  try {
    mkdirSync(guard);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Another process is taking over right now; a guard this old was left by a crash.
    if (Date.now() - statSync(guard).mtimeMs > GUARD_STALE_MS)
      rmSync(guard, { recursive: true, force: true });
    return;
  }
  try {
    const current = readPidFile(path);
    if (current && current.token === staleToken) rmSync(path, { force: true });
  } finally {
    rmdirSync(guard);
  }
}

/** Creates the file for this process, taking over a stale one; or returns the live holder. */
export async function claimPidFile<T extends object>(path: string, data: T): Promise<ClaimResult<T>> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const token = randomUUID();
    if (createExclusive(path, { ...data, pid: process.pid, token })) {
      held.set(token, path);
      return {
        claim: {
          update(next) {
            if (readPidFile(path)?.token !== token) throw new Error(`${path} is no longer ours`);
            const temp = `${path}.${token}.tmp`;
            writeFileSync(temp, `${JSON.stringify({ ...next, pid: next.pid ?? process.pid, token })}\n`, {
              mode: 0o600,
            });
            renameSync(temp, path);
          },
          release: () => removeIfOurs(path, token),
        },
      };
    }
    const holder = readPidFile<T>(path);
    if (holder && isLive(holder)) return { holder };
    if (holder) takeOver(path, holder.token);
    await sleep(10 * attempt);
  }
  throw new Error(`could not claim ${path}: it keeps changing hands; try again`);
}
