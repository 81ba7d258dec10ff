// The "Start backfill" form: a workspace of the connection and a range of whole days (UTC), both
// ends included. The backfill runs from the first day's midnight to the midnight after the last
// day, so starting the same range twice on one day attaches to the running backfill.
import { z } from 'zod';
import { HttpError } from '../errors';

const DAY_MS = 86_400_000;

/** YYYY-MM-DD of a moment, in UTC. */
export const utcDay = (at: Date) => at.toISOString().slice(0, 10);
const midnight = (day: string) => `${day}T00:00:00Z`;
const dayAfter = (day: string) => utcDay(new Date(Date.parse(midnight(day)) + DAY_MS));

export interface BackfillRange {
  workspace: string;
  /** ISO-8601 instants, as BackfillInput takes them. */
  since: string;
  until: string;
}

/** What the form shows before anyone types: the initial backfill's span, up to today. */
export function defaultRange(now: Date, initialBackfillDays: number): { since: string; until: string } {
  return { since: utcDay(new Date(now.getTime() - initialBackfillDays * DAY_MS)), until: utcDay(now) };
}

function formSchema(workspaces: readonly string[], today: string) {
  return z
    .object({
      workspace: z
        .string()
        .default('')
        .refine((w) => workspaces.includes(w), {
          message: `Choose a workspace of this connection: ${workspaces.join(', ') || 'it has none yet'}.`,
        }),
      since: z.iso.date({ error: 'Give the first day as a date like 2025-01-31.' }),
      until: z.iso.date({ error: 'Give the last day as a date like 2025-03-31.' }),
    })
    .superRefine(({ since, until }, check) => {
      // ISO days compare as text.
      if (since > until)
        check.addIssue({
          code: 'custom',
          message: `The first day (${since}) is after the last day (${until}): swap them.`,
        });
      if (until > today)
        check.addIssue({
          code: 'custom',
          message: `The last day (${until}) is in the future: the latest it can be is today, ${today}.`,
        });
    });
}

/** The range the form asks for; a 400 naming every mistake otherwise. */
export function parseBackfillForm(body: unknown, workspaces: readonly string[], now: Date): BackfillRange {
  const parsed = formSchema(workspaces, utcDay(now)).safeParse(body ?? {});
  if (!parsed.success)
    throw new HttpError(
      400,
      `The backfill was not started. ${parsed.error.issues.map((issue) => issue.message).join(' ')}`,
    );
  const { workspace, since, until } = parsed.data;
  return { workspace, since: midnight(since), until: midnight(dayAfter(until)) };
}
