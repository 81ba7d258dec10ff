import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPglite } from '../../warehouse/pglite';
import { lockPgliteDir, PGLITE_LOCK_FILE, PgliteLockedError } from '../../warehouse/pgliteLock';

const fixture = fileURLToPath(new URL('./fixtures/lockDir.ts', import.meta.url));

/** Runs the fixture in its own process; `ready` resolves at its first line of output. */
function lockInChild(dir: string, mode: 'exit' | 'release' | 'hang') {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir, mode]);
  let out = '';
  const ready = new Promise<string>((resolve) =>
    child.stdout.on('data', (d) => {
      out += d;
      resolve(out.trim());
    }),
  );
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, ready, exited, output: () => out.trim() };
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('close', resolve));
  return child.pid as number;
}

describe('PGlite lock', () => {
  let dir: string;
  let lockFile: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bbetl-lock-'));
    lockFile = join(dir, PGLITE_LOCK_FILE);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the directory for this process until released', async () => {
    const release = await lockPgliteDir(dir);
    expect(JSON.parse(readFileSync(lockFile, 'utf8')).pid).toBe(process.pid);
    await expect(lockPgliteDir(dir)).rejects.toThrow(PgliteLockedError);
    release();
    expect(existsSync(lockFile)).toBe(false);
    (await lockPgliteDir(dir))();
  });

  it('refuses another process with a message naming the holder', async () => {
    const release = await lockPgliteDir(dir);
    try {
      const other = lockInChild(dir, 'exit');
      expect(await other.exited).toBe(3);
      expect(other.output()).toMatch(
        new RegExp(
          `^the embedded warehouse at ${dir} is in use by process ${process.pid} \\(.+, since \\d{4}-.+\\); stop it or run this command through it\\. If process ${process.pid} is not bbetl, delete ${lockFile}\\.$`,
        ),
      );
    } finally {
      release();
    }
  });

  it('is released when the holding process exits, and taken over when it was killed', async () => {
    const exits = lockInChild(dir, 'exit');
    expect(await exits.ready).toBe('locked');
    expect(await exits.exited).toBe(0);
    expect(existsSync(lockFile)).toBe(false);

    const killed = lockInChild(dir, 'hang');
    expect(await killed.ready).toBe('locked');
    await expect(lockPgliteDir(dir)).rejects.toThrow(`in use by process ${killed.child.pid}`);
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(JSON.parse(readFileSync(lockFile, 'utf8')).pid).toBe(killed.child.pid);
    const release = await lockPgliteDir(dir);
    expect(JSON.parse(readFileSync(lockFile, 'utf8')).pid).toBe(process.pid);
    release();
  }, 30_000);

  it('takes over a lock whose process is gone, or that names this pid but not a lock of this process', async () => {
    for (const pid of [await deadPid(), process.pid]) {
      writeFileSync(
        lockFile,
        JSON.stringify({ pid, token: 'from-before', command: 'bbetl worker', since: '' }),
      );
      const release = await lockPgliteDir(dir);
      expect(JSON.parse(readFileSync(lockFile, 'utf8')).token).not.toBe('from-before');
      release();
    }
  });

  it('locks the directory while openPglite has it open', async () => {
    const db = await openPglite(dir);
    try {
      await expect(openPglite(dir)).rejects.toThrow(
        `the embedded warehouse at ${dir} is in use by process ${process.pid}`,
      );
      expect((await db.query('select 1 as one'))[0]).toEqual({ one: 1 });
    } finally {
      await db.close();
    }
    expect(existsSync(lockFile)).toBe(false);
  }, 60_000);
});
