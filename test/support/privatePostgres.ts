// A Postgres server of one test file's own (initdb into a temporary directory, its own port), for
// tests that stop and start the server: the provisioned cluster serves every other test file at
// the same time. Same binaries as scripts/provision.sh (the newest /usr/lib/postgresql/<v>/bin).
// Postgres refuses to run as root; as root (CI), the server runs as the `postgres` user the
// Debian package created, as provision.sh does.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from '../../lib/net';
import { openWarehouse } from '../../warehouse/engine';
import type { WarehouseUnderTest } from './warehouse';

const run = promisify(execFile);
const PG_ROOT = '/usr/lib/postgresql';

function binDir(): string | undefined {
  if (!existsSync(PG_ROOT)) return undefined;
  const newest = readdirSync(PG_ROOT)
    .sort((a, b) => Number(a) - Number(b))
    .pop();
  const dir = newest && join(PG_ROOT, newest, 'bin');
  return dir && existsSync(join(dir, 'initdb')) ? dir : undefined;
}

export const privatePostgresAvailable = binDir() !== undefined;

const asRoot = process.getuid?.() === 0;

/** Runs a Postgres binary as the user Postgres runs as. */
async function pgRun(bin: string, args: string[]): Promise<void> {
  const path = join(binDir() as string, bin);
  await (asRoot ? run('runuser', ['-u', 'postgres', '--', path, ...args]) : run(path, args));
}

export interface PrivatePostgres {
  url: string;
  /** `immediate`: the server process dies as in a crash (recovery at the next start). */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** A warehouse on this server, for usePipeline. */
  warehouse(): WarehouseUnderTest;
}

/** Starts the server before the file's tests and removes it after them. */
export function usePrivatePostgres(): PrivatePostgres {
  let dir = '';
  let port = 0;
  const start = async () => {
    await pgRun('pg_ctl', [
      ...['-D', join(dir, 'data'), '-l', join(dir, 'server.log'), '-w', '-t', '60'],
      ...['-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off`, 'start'],
    ]);
  };
  const server: PrivatePostgres = {
    get url() {
      return `postgres://postgres@127.0.0.1:${port}/postgres`;
    },
    start,
    stop: (mode) => pgRun('pg_ctl', ['-D', join(dir, 'data'), '-m', mode, '-w', 'stop']),
    warehouse() {
      const config = { engine: 'postgres' as const, url: server.url };
      return { name: 'postgres', config, open: () => openWarehouse(config), cleanup: async () => {} };
    },
  };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bbetl-pg-'));
    if (asRoot) chownSync(dir, Number((await run('id', ['-u', 'postgres'])).stdout), 0);
    port = await freePort();
    await pgRun('initdb', [
      '-D',
      join(dir, 'data'),
      '-A',
      'trust',
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    await start();
  });
  afterAll(async () => {
    if (!dir) return;
    await server.stop('immediate').catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  return server;
}
