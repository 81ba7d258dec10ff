// What every check of `bbetl doctor` answers: a status, the thing checked, what was found and,
// when something is wrong, exactly what to do about it.

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  status: CheckStatus;
  name: string;
  detail: string;
  /** What to do; only for warn and fail. */
  fix?: string;
}

export const ok = (name: string, detail: string): CheckResult => ({ status: 'ok', name, detail });
export const warn = (name: string, detail: string, fix: string): CheckResult => ({
  status: 'warn',
  name,
  detail,
  fix,
});
export const fail = (name: string, detail: string, fix: string): CheckResult => ({
  status: 'fail',
  name,
  detail,
  fix,
});

/** How long a check waits for a server: a doctor that hangs for minutes diagnoses nothing. */
export const ANSWER_TIMEOUT_MS = 5_000;

/**
 * `work`, or a rejection once ANSWER_TIMEOUT_MS passed. The work is abandoned, not cancelled:
 * `bbetl doctor` exits when it has printed, whatever connection attempt is still pending.
 */
export async function answerInTime<T>(work: Promise<T>, what: string): Promise<T> {
  work.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${ANSWER_TIMEOUT_MS / 1000} s`)),
      ANSWER_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** An error's text; Node's AggregateError (every address of a host refused) has an empty message. */
export function errorText(err: unknown): string {
  if (err instanceof AggregateError && !err.message) {
    return [...new Set(err.errors.map(errorText))].join('; ');
  }
  if (err instanceof Error) return err.message || (err as NodeJS.ErrnoException).code || err.name;
  return String(err);
}

/**
 * A warehouse table (or its schema) that does not exist yet. Postgres: relation … does not
 * exist; BigQuery: Not found: Dataset/Table ….
 */
export const isMissingTable = (err: unknown): boolean => /does not exist|not found/i.test(errorText(err));

export const READ_ETL_META_FIX = 'check that the warehouse user may read the etl_meta schema';
