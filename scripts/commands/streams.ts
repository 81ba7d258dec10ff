// `bbetl streams`: which streams a connection's runs read, and why (the default, BBETL_STREAMS, or
// the connection's own setting); `on`, `off` and `reset` change the connection's own settings,
// which the next run reads. A stream is read under its parent's records, so a change that would
// leave a stream on under a parent that is off is refused, saying what to turn on or off with it.
import { type Command, Option } from 'commander';
import type { StreamName } from '../../bitbucket/streams/catalog';
import {
  enabledStreams,
  parentProblems,
  reasonText,
  resolveStreams,
  type StreamState,
  unknownStreams,
} from '../../bitbucket/streams/selection';
import { formatTable } from '../../lib/table';
import type { Config } from '../../temporal.config';
import {
  clearStreamSettings,
  readStreamSettings,
  type StoredStreamSetting,
  writeStreamSettings,
} from '../../warehouse/connectionStreams';
import { WarehouseConnectionStore } from '../../warehouse/connections';
import type { WarehouseEngine } from '../../warehouse/engine';
import { connectionId, UsageError } from './options';
import { withWarehouse } from './warehouseCommand';

type Change = 'on' | 'off' | 'reset';

const connectionOption = () =>
  new Option('--connection <id>', 'the connection').argParser(connectionId).default('default');

const which = (connection: string) => (connection === 'default' ? '' : ` --connection ${connection}`);

function table(states: readonly StreamState[]): string {
  return formatTable([
    ['stream', 'read', 'why'],
    ...states.map((s) => [s.stream, s.on ? 'on' : 'off', reasonText(s)]),
  ]);
}

/** The connection's settings after the change (a later setting of a stream wins over an earlier one). */
function changed(settings: StoredStreamSetting[], change: Change, streams: readonly StreamName[]) {
  if (change === 'reset') return settings.filter((s) => !streams.includes(s.stream as StreamName));
  return [...settings, ...streams.map((stream) => ({ stream, on: change === 'on' }))];
}

/** Refuses a change that leaves a stream on under a parent that is off, saying what to run instead. */
function checkParents(
  before: readonly StreamState[],
  after: readonly StreamState[],
  change: Change,
  streams: readonly StreamName[],
  connection: string,
): void {
  const orphanedBefore = new Set(before.filter((s) => s.why === 'parent').map((s) => s.stream));
  const orphans = after.filter((s) => s.why === 'parent' && !orphanedBefore.has(s.stream));
  if (orphans.length === 0) return;
  const parents = [...new Set(orphans.map((s) => s.parent))];
  const children = orphans.map((s) => s.stream);
  const instead =
    change === 'on'
      ? `turn the parent on too: bbetl streams on ${[...parents, ...streams].join(' ')}`
      : change === 'off'
        ? `turn its streams off too: bbetl streams off ${[...streams, ...children].join(' ')}`
        : `turn its streams off first: bbetl streams off ${children.join(' ')}`;
  throw new UsageError(
    `${parentProblems(orphans).join('; ')}; a stream is only read under its parent, so nothing was changed: ${instead}${which(connection)}`,
  );
}

async function list(db: WarehouseEngine, config: Config, connection: string): Promise<void> {
  const states = resolveStreams(config.streams, await readStreamSettings(db, connection));
  console.log(`connection ${connection}: ${enabledStreams(states).length} of ${states.length} streams read`);
  console.log(table(states));
  console.log(`\nturn streams on or off: bbetl streams on|off <stream...>${which(connection)}`);
}

async function change(
  db: WarehouseEngine,
  config: Config,
  how: Change,
  names: string[],
  connection: string,
): Promise<void> {
  const problem = unknownStreams(names);
  if (problem) throw new UsageError(problem);
  const streams = [...new Set(names)] as StreamName[];
  const settings = await readStreamSettings(db, connection);
  const before = resolveStreams(config.streams, settings);
  const after = resolveStreams(config.streams, changed(settings, how, streams));
  checkParents(before, after, how, streams, connection);
  if (how === 'reset') await clearStreamSettings(db, connection, streams);
  else
    await writeStreamSettings(
      db,
      connection,
      streams.map((stream) => ({ stream, on: how === 'on' })),
    );
  console.log(table(after.filter((s) => streams.includes(s.stream))));
  const exists = (await new WarehouseConnectionStore(db).get(connection)) !== undefined;
  console.log(
    exists
      ? `\nconnection ${connection}: its next run reads these as shown (what is stored stays)`
      : `\nno connection "${connection}" yet: these settings apply once it is connected`,
  );
}

export function registerStreamsCommand(program: Command): void {
  const streams = program
    .command('streams')
    .description('list the streams a connection reads, on or off, and why; turn them on or off');
  streams
    .command('list', { isDefault: true })
    .description('every stream, on or off for the connection, and why (default, BBETL_STREAMS, set for it)')
    .addOption(connectionOption())
    .action((flags: { connection: string }) =>
      withWarehouse((db, config) => list(db, config, flags.connection)),
    );
  const descriptions: Record<Change, string> = {
    on: "read these streams in the connection's next runs",
    off: 'stop reading these streams (what is stored stays)',
    reset: "drop the connection's own setting of these streams (back to BBETL_STREAMS and the defaults)",
  };
  for (const [how, description] of Object.entries(descriptions) as Array<[Change, string]>) {
    streams
      .command(`${how} <stream...>`)
      .description(description)
      .addOption(connectionOption())
      .action((names: string[], flags: { connection: string }) =>
        withWarehouse((db, config) => change(db, config, how, names, flags.connection)),
      );
  }
}
