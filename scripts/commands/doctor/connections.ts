// `bbetl doctor`'s connection checks: each connection's status in etl_meta.connections, which
// streams its runs read, and for a connected one how fresh each workspace's data is (the status
// page's stale rule).

import { parentProblems, reasonText, resolveStreams } from '../../../bitbucket/streams/selection';
import type { StoredConnection } from '../../../lib/connectionStores';
import type { Config } from '../../../temporal.config';
import { readStreamSettings, type StoredStreamSetting } from '../../../warehouse/connectionStreams';
import { WarehouseConnectionStore } from '../../../warehouse/connections';
import type { WarehouseEngine } from '../../../warehouse/engine';
import { workspaceRuns } from '../../../warehouse/syncStatus';
import { DEFAULT_CONNECTION } from '../../../web/deps';
import { isStale, relativeTime, STALE_AFTER_INTERVALS } from '../../../web/status/freshness';
import { isoSeconds } from '../options';
import { type CheckResult, errorText, fail, isMissingTable, ok, READ_ETL_META_FIX, warn } from './check';

async function connectionIds(db: WarehouseEngine): Promise<string[]> {
  try {
    const rows = await db.query<{ id: string }>(
      `select id from ${db.table('etl_meta', 'connections')} order by id`,
    );
    return rows.map((r) => String(r.id));
  } catch (err) {
    if (isMissingTable(err)) return [];
    throw err;
  }
}

/** The web app manages the default connection; the CLI renews a consumer's own grant of any. */
function howToConnectAgain(row: StoredConnection, publicUrl: string): string {
  const ways: string[] = [];
  if (row.id === DEFAULT_CONNECTION) {
    ways.push(
      `open ${publicUrl}/connections and click ${row.status === 'not_connected' ? 'Connect' : 'Reconnect'}`,
    );
  }
  if (row.id !== DEFAULT_CONNECTION || row.grantType === 'client_credentials') {
    const which = row.id === DEFAULT_CONNECTION ? '' : ` --connection ${row.id}`;
    ways.push(`run \`bbetl connect --client-credentials${which}\``);
  }
  return ways.join(', or ');
}

function statusCheck(row: StoredConnection, publicUrl: string): CheckResult {
  const name = `connection ${row.id}`;
  const since = `since ${isoSeconds(row.statusChangedAt)}${row.statusReason ? `: ${row.statusReason}` : ''}`;
  switch (row.status) {
    case 'connected':
      return ok(
        name,
        `connected (${row.grantType ?? 'unknown'} grant), workspaces: ${row.workspaces.join(', ') || '(none listed)'}`,
      );
    case 'reconnect_required':
      return fail(name, `reconnect required ${since}`, howToConnectAgain(row, publicUrl));
    default:
      // Revoked or never connected: maybe on purpose, so a warning.
      return warn(
        name,
        `${row.status} ${since}`,
        `if its data should sync again, ${howToConnectAgain(row, publicUrl)}`,
      );
  }
}

/** The streams the connection's runs read; a warning for one set on under a parent that is off. */
async function streamsCheck(db: WarehouseEngine, id: string, config: Config): Promise<CheckResult> {
  let settings: StoredStreamSetting[];
  try {
    settings = await readStreamSettings(db, id);
  } catch (err) {
    // A warehouse from before per-connection settings has no table for them: none are set.
    if (!isMissingTable(err))
      return fail(
        `streams ${id}`,
        `cannot read etl_meta.connection_streams: ${errorText(err)}`,
        READ_ETL_META_FIX,
      );
    settings = [];
  }
  const states = resolveStreams(config.streams, settings);
  const on = states.filter((s) => s.on).map((s) => s.stream);
  const off = states.filter((s) => !s.on).map((s) => `${s.stream} (${reasonText(s)})`);
  const detail = `${on.length} of ${states.length} read: ${on.join(', ')}; off: ${off.join(', ') || 'none'}`;
  const problems = parentProblems(states);
  if (problems.length === 0) return ok(`streams ${id}`, detail);
  const which = id === DEFAULT_CONNECTION ? '' : ` --connection ${id}`;
  return warn(
    `streams ${id}`,
    `${problems.join('; ')}: not read. ${detail}`,
    `turn the parent on (\`bbetl streams on <parent>${which}\`) or those streams off (\`bbetl streams off <stream...>${which}\`)`,
  );
}

async function freshnessChecks(
  db: WarehouseEngine,
  row: StoredConnection,
  config: Config,
  now: Date,
): Promise<CheckResult[]> {
  const runs = await workspaceRuns(db, row.id);
  const workspaces = [...new Set([...row.workspaces, ...runs.map((r) => r.workspace)])];
  const interval = config.sync.intervalMinutes;
  const which = row.id === DEFAULT_CONNECTION ? '' : ` --connection ${row.id}`;
  return workspaces.map((workspace) => {
    const name = `freshness ${row.id}/${workspace}`;
    const run = runs.find((r) => r.workspace === workspace);
    const last = run?.lastSuccessAt ?? null;
    if (last && !isStale(last, now, interval)) return ok(name, `last synced ${relativeTime(last, now)}`);
    if (last) {
      return warn(
        name,
        `stale: last synced ${relativeTime(last, now)} (${isoSeconds(last)}), more than ` +
          `${STALE_AFTER_INTERVALS} sync intervals (${STALE_AFTER_INTERVALS * interval} min) ago`,
        `check that a worker runs (\`bbetl worker\` or \`bbetl web\`) and the schedule is active: \`bbetl schedule describe${which}\``,
      );
    }
    return warn(
      name,
      `never synced${run ? ` (its latest run is ${run.latestStatus})` : ''}`,
      `sync it now: \`bbetl sync${which} --wait\`; and if \`bbetl schedule describe${which}\` finds no schedule, \`bbetl schedule create${which}\``,
    );
  });
}

export async function checkConnections(
  db: WarehouseEngine,
  config: Config,
  now: Date,
): Promise<CheckResult[]> {
  let ids: string[];
  try {
    ids = await connectionIds(db);
  } catch (err) {
    return [fail('connections', `cannot read etl_meta.connections: ${errorText(err)}`, READ_ETL_META_FIX)];
  }
  if (ids.length === 0) {
    return [
      warn(
        'connections',
        'none yet: nothing syncs',
        `connect Bitbucket: open ${config.publicUrl}/connections, or run \`bbetl connect --client-credentials\``,
      ),
    ];
  }
  const store = new WarehouseConnectionStore(db);
  const results: CheckResult[] = [];
  for (const id of ids) {
    const row = await store.get(id);
    if (!row) continue;
    results.push(statusCheck(row, config.publicUrl));
    results.push(await streamsCheck(db, id, config));
    if (row.status !== 'connected') continue;
    try {
      results.push(...(await freshnessChecks(db, row, config, now)));
    } catch (err) {
      results.push(
        fail(
          `freshness ${id}`,
          `cannot read the run ledger (etl_meta.runs): ${errorText(err)}`,
          READ_ETL_META_FIX,
        ),
      );
    }
  }
  return results;
}
