// `bbetl workspace price|prices`: dated seat prices, as a user runs them (child processes on the
// embedded warehouse in a temporary data dir). A bad price says what to fix, exits 2 and stores
// nothing.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../transforms/project';
import { runModels } from '../../transforms/run';
import { openWarehouse } from '../../warehouse/engine';
import { migrate } from '../../warehouse/migrate';
import { loadRecords } from '../../warehouse/raw/load';
import { listSeatPrices } from '../../warehouse/seatPrices';
import { ADA, account, commitPayload, REPO, repositoryRecord, SQL_DIR } from '../support/rawFixtures';
import { bbetl, cliDataDir } from './run';

describe('bbetl workspace price', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  const stored = async () => {
    const db = await openWarehouse({ engine: 'pglite', dir: join(dataDir, 'pglite') });
    try {
      return (await listSeatPrices(db)).map(({ setAt, ...price }) => price);
    } finally {
      await db.close();
    }
  };

  beforeAll(async () => {
    dataDir = cliDataDir('bbetl-cli-workspace-');
    const { WAREHOUSE, PGLITE_DIR, DATABASE_URL, ...inherited } = process.env;
    env = { ...inherited, BBETL_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    // The warehouse knows workspace acme from an extracted workspace listing.
    const db = await openWarehouse({ engine: 'pglite', dir: join(dataDir, 'pglite') });
    try {
      await migrate(db);
      await loadRecords(db, {
        stream: 'workspaces',
        connectionId: 'default',
        workspaceUuid: '',
        runId: 'run-1',
        extractedAt: '2024-06-30T12:00:00.000000Z',
        records: [
          {
            key: '{ws-acme}',
            payload: {
              type: 'workspace_access',
              workspace: { type: 'workspace_base', uuid: '{ws-acme}', slug: 'acme' },
            },
          },
        ],
      });
    } finally {
      await db.close();
    }
  }, 120_000);
  afterAll(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores dated prices for a workspace and the default, replaces one of the same day, lists them', async () => {
    const empty = await bbetl(['workspace', 'prices'], env);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain('no seat prices');

    const global = await bbetl(['workspace', 'price', '*', '15', 'usd', '--from', '2024-01-01'], env);
    expect(global.code).toBe(0);
    expect(global.stdout).toContain(
      'seat price for every workspace without its own price: 15 USD a month from 2024-01-01',
    );
    const acme = await bbetl(['workspace', 'price', 'acme', '12.50', 'EUR', '--from', '2024-06-15'], env);
    expect(acme.code).toBe(0);
    expect(acme.stdout).toContain('seat price for acme: 12.5 EUR a month from 2024-06-15');
    // the same day again: the new price replaces it
    expect((await bbetl(['workspace', 'price', 'acme', '13', 'EUR', '--from', '2024-06-15'], env)).code).toBe(
      0,
    );
    // without --from: from today (UTC)
    expect((await bbetl(['workspace', 'price', 'acme', '14', 'EUR'], env)).code).toBe(0);
    const today = new Date().toISOString().slice(0, 10);

    expect(await stored()).toEqual([
      { workspace: '*', effectiveFrom: '2024-01-01', amount: '15', currency: 'USD' },
      { workspace: 'acme', effectiveFrom: '2024-06-15', amount: '13', currency: 'EUR' },
      { workspace: 'acme', effectiveFrom: today, amount: '14', currency: 'EUR' },
    ]);
    const listed = await bbetl(['workspace', 'prices'], env);
    expect(listed.stdout).toMatch(/\*\s+2024-01-01\s+15 USD/);
    expect(listed.stdout).toMatch(/acme\s+2024-06-15\s+13 EUR/);
  }, 120_000);

  it('refuses a bad amount, currency, date or workspace, saying what to fix, and stores nothing', async () => {
    const refusals: Array<[string[], string]> = [
      [['acme', '-5', 'EUR'], 'amount "-5" is not a price (give a number of at least 0'],
      [['acme', 'ten', 'EUR'], 'amount "ten" is not a price'],
      [['acme', '10', 'EURO'], 'currency "EURO" is not an ISO 4217 code (give three letters, e.g. USD'],
      [['acme', '10', 'XYZ'], 'currency "XYZ" is not an ISO 4217 code'],
      [
        ['acme', '10', 'EUR', '--from', '2024-02-30'],
        'date "2024-02-30" is not a day (give it as YYYY-MM-DD',
      ],
      [['acme', '10', 'EUR', '--from', 'yesterday'], 'date "yesterday" is not a day'],
      [['globex', '10', 'EUR'], 'workspace "globex" is not in the warehouse (known: acme;'],
    ];
    // The prices are read once before and once after all of them (each read opens the embedded
    // warehouse, which the commands need closed): any refusal that stored a price shows.
    const before = await stored();
    for (const [args, message] of refusals) {
      const refused = await bbetl(['workspace', 'price', ...args], env);
      expect(refused.code, JSON.stringify(args)).toBe(2);
      expect(refused.stderr, JSON.stringify(args)).toContain(message);
      expect(refused.stdout, JSON.stringify(args)).toBe('');
    }
    expect(await stored()).toEqual(before);
  }, 120_000);

  it('bbetl report seats: the reclaimable seats as a table, CSV or JSON once the marts are built', async () => {
    const unbuilt = await bbetl(['report', 'seats'], env);
    expect(unbuilt.code).toBe(2);
    expect(unbuilt.stderr).toContain('the marts are not built (run `bbetl transform`)');

    // acme as of 31 August 2024: Ada last acted on 1 June, Ivy never; both idle 91 days
    const ws = '{ws-acme}';
    const ivy = account('{u-ivy}', 'Ivy');
    const member = (user: typeof ADA) => ({
      key: `${ws}:${user.uuid}`,
      parentKey: ws,
      payload: {
        type: 'workspace_membership',
        user,
        workspace: { type: 'workspace', uuid: ws, slug: 'acme' },
      },
    });
    const load = (stream: string, records: { key: string; payload: unknown; parentKey?: string }[]) =>
      loadRecords(db, {
        stream,
        connectionId: 'default',
        workspaceUuid: ws,
        runId: 'run-2',
        extractedAt: '2024-08-31T12:00:00.000000Z',
        records,
      });
    const db = await openWarehouse({ engine: 'pglite', dir: join(dataDir, 'pglite') });
    try {
      await load('members', [member(ADA), member(ivy)]);
      await load('permissions', [member(ADA), member(ivy)]);
      await load('repositories', [repositoryRecord(REPO, ws, 'api')]);
      await load('commits', [
        {
          key: `${REPO}:c1`,
          parentKey: REPO,
          payload: commitPayload('c1', '2024-06-01T09:00:00+00:00', 'Ada <ada@example.com>', ADA),
        },
      ]);
      const results = await runModels(db, loadProject(SQL_DIR), {
        select: ['+fct_reclaimable_seats', '+dim_workspaces'],
      });
      expect(results.filter((r) => r.status !== 'success')).toEqual([]);
    } finally {
      await db.close();
    }

    // acme's price on 31 August is 13 EUR (set from 15 June)
    const json = await bbetl(['report', 'seats', '--format', 'json'], env);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      {
        workspace: 'acme',
        workspace_uuid: ws,
        user_uuid: ADA.uuid,
        display_name: 'Ada',
        last_active_at: '2024-06-01T09:00:00.000Z',
        last_feature: 'commit_authored',
        idle_days: 91,
        teams: null,
        monthly_saving: 13,
        currency: 'EUR',
      },
      {
        workspace: 'acme',
        workspace_uuid: ws,
        user_uuid: ivy.uuid,
        display_name: 'Ivy',
        last_active_at: null,
        last_feature: null,
        idle_days: 91,
        teams: null,
        monthly_saving: 13,
        currency: 'EUR',
      },
    ]);
    const csv = await bbetl(['report', 'seats', '--format', 'csv'], env);
    expect(csv.stdout.split('\r\n')).toEqual([
      'workspace,workspace_uuid,user_uuid,display_name,last_active_at,last_feature,idle_days,teams,monthly_saving,currency',
      `acme,${ws},${ADA.uuid},Ada,2024-06-01T09:00:00.000Z,commit_authored,91,,13,EUR`,
      `acme,${ws},${ivy.uuid},Ivy,,,91,,13,EUR`,
      '',
    ]);
    const table = await bbetl(['report', 'seats'], env);
    expect(table.stdout).toMatch(/acme\s+Ivy\s+91\s+never\s+13 EUR/);
    const badFormat = await bbetl(['report', 'seats', '--format', 'xml'], env);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain('Allowed choices are table, csv, json');
  }, 300_000);
});
