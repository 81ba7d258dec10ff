import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log';
import { pidAlive } from '../../lib/pidFile';
import { DEV_SERVER_STATE_FILE, startDevServer } from '../../worker/devServer';
import { findTemporalCli } from '../../worker/temporalCli';
import { needService } from '../support/services';

const cliPath = process.env.TEMPORAL_CLI_PATH;
const available = needService(
  'Temporal CLI',
  Boolean(cliPath && findTemporalCli(cliPath)),
  'set TEMPORAL_CLI_PATH (scripts/provision.sh writes it to .tools/services.env)',
);

describe.skipIf(!available)('embedded Temporal dev server', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bbetl-devserver-'));
  const statePath = join(dataDir, DEV_SERVER_STATE_FILE);
  const options = {
    dataDir,
    namespace: 'default',
    uiPort: 0,
    cliPath,
    log: createLogger({ level: 'warn', pretty: false }),
  };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts on a SQLite file in the data dir, is reused by a second caller, and stops', async () => {
    // A state file left by a bbetl that was killed: its process is gone, so it is taken over.
    writeFileSync(
      statePath,
      JSON.stringify({ pid: 2 ** 22 + 1, token: 'old', phase: 'ready', address: 'x:1' }),
    );

    const server = await startDevServer(options);
    expect(server.reused).toBe(false);
    expect(existsSync(join(dataDir, 'temporal.sqlite'))).toBe(true);
    const state = JSON.parse(readFileSync(statePath, 'utf8'));
    expect(state).toMatchObject({ phase: 'ready', address: server.address, uiUrl: server.uiUrl });
    expect(pidAlive(state.pid)).toBe(true);

    const connection = await Connection.connect({ address: server.address });
    try {
      const client = new Client({ connection });
      const { namespaceInfo } = await client.workflowService.describeNamespace({ namespace: 'default' });
      expect(namespaceInfo?.name).toBe('default');
      expect((await fetch(server.uiUrl)).status).toBe(200);

      const second = await startDevServer(options);
      expect(second).toMatchObject({ reused: true, address: server.address, uiUrl: server.uiUrl });
      await second.stop();
      // Only the owner stops it.
      await client.workflowService.describeNamespace({ namespace: 'default' });
    } finally {
      await connection.close();
      await server.stop();
    }
    expect(pidAlive(state.pid)).toBe(false);
    expect(existsSync(statePath)).toBe(false);
  }, 90_000);
});
