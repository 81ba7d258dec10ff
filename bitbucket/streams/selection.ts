// Which streams a run reads. Each stream is on or off by default (plan.ts: off when no mart reads
// it); BBETL_STREAMS changes that for every connection, and a connection's own setting (`bbetl
// streams on|off`) wins over both. A stream's lists hang under its parent's records, so a stream
// whose parent is off is off too. Turning streams off keeps what is stored: nothing is tombstoned.
import type { StreamName } from './catalog';
import { OFF_BY_DEFAULT, PLANNED_STREAMS, parentStream } from './plan';

/** One stream turned on or off (by the configuration or for a connection). */
export interface StreamSetting {
  stream: StreamName;
  on: boolean;
}

/** What decided a stream: the default, BBETL_STREAMS, the connection, or its parent being off. */
export type StreamReason = 'default' | 'config' | 'connection' | 'parent';

export interface StreamState {
  stream: StreamName;
  on: boolean;
  why: StreamReason;
  /** Set when `why` is 'parent': the parent that is off. */
  parent?: StreamName;
}

export function isStreamName(name: string): name is StreamName {
  return (PLANNED_STREAMS as readonly string[]).includes(name);
}

/** Names that are no stream, named, with the streams there are; undefined when all are streams. */
export function unknownStreams(names: readonly string[]): string | undefined {
  const unknown = names.filter((n) => !isStreamName(n));
  if (unknown.length === 0) return undefined;
  const which = unknown.map((n) => `"${n}"`).join(', ');
  return `unknown stream${unknown.length > 1 ? 's' : ''} ${which}; the streams are: ${PLANNED_STREAMS.join(', ')}`;
}

/** `+pipeline_steps,-branches`: `+` turns a stream on, `-` off; spaces and empty items are ignored. */
export function parseStreamChanges(text: string): { changes: StreamSetting[] } | { problem: string } {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  const unsigned = items.filter((item) => !/^[+-]/.test(item));
  if (unsigned.length > 0)
    return { problem: `each item is +stream or -stream (got ${unsigned.map((i) => `"${i}"`).join(', ')})` };
  const problem = unknownStreams(items.map((item) => item.slice(1).trim()));
  if (problem) return { problem };
  return {
    changes: items.map((item) => ({ stream: item.slice(1).trim() as StreamName, on: item.startsWith('+') })),
  };
}

/**
 * Every stream's state, in the plan's order: the default, changed by the configuration, changed by
 * the connection's settings (names that are no stream any more are ignored); then a stream whose
 * parent is off is off (the plan lists parents first).
 */
export function resolveStreams(
  config: readonly StreamSetting[],
  connection: readonly { stream: string; on: boolean }[],
): StreamState[] {
  const states = new Map<StreamName, StreamState>();
  for (const stream of PLANNED_STREAMS) {
    const own = connection.findLast((s) => s.stream === stream);
    const configured = config.findLast((s) => s.stream === stream);
    const state: StreamState = own
      ? { stream, on: own.on, why: 'connection' }
      : configured
        ? { stream, on: configured.on, why: 'config' }
        : { stream, on: !OFF_BY_DEFAULT.includes(stream), why: 'default' };
    const parent = parentStream(stream);
    if (state.on && parent && !states.get(parent)?.on)
      Object.assign(state, { on: false, why: 'parent', parent });
    states.set(stream, state);
  }
  return [...states.values()];
}

/** The streams a run reads, in the plan's order. */
export function enabledStreams(states: readonly StreamState[]): StreamName[] {
  return states.filter((s) => s.on).map((s) => s.stream);
}

/** The streams wanted on that cannot be read because their parent is off, one line per parent. */
export function parentProblems(states: readonly StreamState[]): string[] {
  const byParent = new Map<StreamName, StreamName[]>();
  for (const s of states)
    if (s.why === 'parent' && s.parent) byParent.set(s.parent, [...(byParent.get(s.parent) ?? []), s.stream]);
  return [...byParent].map(
    ([parent, streams]) =>
      `${streams.join(', ')} ${streams.length > 1 ? 'are' : 'is'} read under ${parent}, which is off`,
  );
}

/** Why a stream is on or off, in words (the CLI, `bbetl doctor` and the status page show it). */
export function reasonText(state: StreamState): string {
  switch (state.why) {
    case 'default':
      return state.on ? 'default' : 'default: no mart reads it';
    case 'config':
      return 'BBETL_STREAMS';
    case 'connection':
      return 'set for this connection';
    case 'parent':
      return `${state.parent} is off`;
  }
}
