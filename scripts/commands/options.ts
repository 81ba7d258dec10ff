// Parsers of the CLI's option values: each rejects a bad value with a message saying what to give
// instead (commander prints it next to the option's name and exits non-zero).
import { CommanderError, InvalidArgumentError } from 'commander';
import { z } from 'zod';

/** A mistake in how the command was called, found after parsing (e.g. --since after --until). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** For `.exitOverride()`: a bad flag or value exits 2, as a UsageError does; help stays 0. */
export function usageExit(err: CommanderError): never {
  throw err.exitCode === 0 ? err : new CommanderError(2, err.code, err.message);
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Connection ids and workspace slugs end up in workflow ids, where ':' separates the parts. */
function identifier(what: string, example: string) {
  return (raw: string): string => {
    if (!ID.test(raw)) {
      throw new InvalidArgumentError(
        `expected a ${what} of letters, digits, '.', '_' or '-' (at most 64, e.g. ${example})`,
      );
    }
    return raw;
  };
}

export const connectionId = identifier('connection id', 'default');
export const workspaceSlug = identifier('workspace slug', 'acme');

/** For repeatable options: --workspace a --workspace b. */
export function collectWorkspaces(raw: string, previous: string[] = []): string[] {
  return [...previous, workspaceSlug(raw)];
}

export function integer(min: number, max: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

const dateSchema = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

/** ISO-8601 without milliseconds when they are zero: 2025-01-01T00:00:00Z. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, 'Z');
}

/** A day (UTC midnight) or an instant with its zone; returned as ISO-8601 UTC. */
export function instant(raw: string): string {
  if (!dateSchema.safeParse(raw).success) {
    throw new InvalidArgumentError('expected a date like 2025-01-01 or a time like 2025-01-01T12:00:00Z');
  }
  return isoSeconds(new Date(raw));
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A duration like 30m, 1h, 1h30m or 1d, at least one minute; returned in milliseconds. */
export function every(raw: string): number {
  const parts = /^(\d+[smhd])+$/.test(raw) ? (raw.match(/\d+[smhd]/g) ?? []) : [];
  const ms = parts.reduce(
    (sum, part) => sum + Number(part.slice(0, -1)) * UNIT_MS[part.slice(-1) as keyof typeof UNIT_MS],
    0,
  );
  if (ms < UNIT_MS.m) {
    throw new InvalidArgumentError('expected a duration of at least 1m, like 30m, 1h, 1h30m or 1d');
  }
  return ms;
}

/** Milliseconds as the shortest duration string: 5400000 → 1h30m. */
export function formatDuration(ms: number): string {
  let rest = ms;
  let out = '';
  for (const [unit, size] of Object.entries(UNIT_MS).reverse()) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out || '0s';
}
