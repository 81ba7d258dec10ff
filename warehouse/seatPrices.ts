// etl_meta.seat_prices: the price of a seat per month, per workspace slug ('*': the default of
// every workspace without a price of its own), dated: a price applies from its effective_from day
// until the next price of the same workspace. The transforms read it (fct_seat_spend_monthly);
// this module validates and keeps the rows. A bad price is refused before anything is stored.
import { z } from 'zod';
import type { WarehouseEngine } from './engine';
import { toDate } from './jsonValues';

/** The workspace of the global default price. */
export const DEFAULT_WORKSPACE = '*';

export interface SeatPrice {
  workspace: string;
  /** YYYY-MM-DD */
  effectiveFrom: string;
  /** The amount as decimal text, e.g. "19.5". */
  amount: string;
  currency: string;
  setAt: Date;
}

export class SeatPriceError extends Error {
  override name = 'SeatPriceError';
}

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

const priceSchema = z.object({
  workspace: z
    .string()
    .trim()
    .regex(/^(\*|[A-Za-z0-9][A-Za-z0-9._-]{0,63})$/, {
      error: (issue) =>
        `"${String(issue.input)}" is not a workspace slug (give the slug as in bitbucket.org/<slug>, or '*' for the default of every workspace)`,
    }),
  amount: z
    .string()
    .trim()
    .regex(/^\d{1,12}(\.\d{1,6})?$/, {
      error: (issue) =>
        `amount "${String(issue.input)}" is not a price (give a number of at least 0 with at most 6 decimals, e.g. 19.50)`,
    }),
  currency: z
    .string()
    .trim()
    .transform((c) => c.toUpperCase())
    .refine((c) => CURRENCIES.has(c), {
      error: (issue) =>
        `currency "${String(issue.input)}" is not an ISO 4217 code (give three letters, e.g. USD, EUR, GBP)`,
    }),
  effectiveFrom: z.iso.date({
    error: (issue) => `date "${String(issue.input)}" is not a day (give it as YYYY-MM-DD, e.g. 2025-01-01)`,
  }),
});

export type SeatPriceInput = z.input<typeof priceSchema>;

/** Checks a price and returns it as stored (trimmed amount without leading zeros, upper-case currency). */
export function parseSeatPrice(input: SeatPriceInput): Omit<SeatPrice, 'setAt'> {
  const parsed = priceSchema.safeParse(input);
  if (!parsed.success) throw new SeatPriceError(parsed.error.issues.map((i) => i.message).join('; '));
  const { workspace, amount, currency, effectiveFrom } = parsed.data;
  return { workspace, amount: String(Number(amount)), currency, effectiveFrom };
}

/**
 * The workspace slugs the warehouse knows: those a connection was granted, and those the
 * extracted workspace listings name.
 */
export async function knownWorkspaces(db: WarehouseEngine): Promise<string[]> {
  const connections = await db.query<{ workspaces: unknown }>(
    `select workspaces from ${db.table('etl_meta', 'connections')}`,
  );
  const slug =
    db.dialect === 'postgres' ? `payload #>> '{workspace,slug}'` : `JSON_VALUE(payload, '$.workspace.slug')`;
  const listed = await db.query<{ slug: string | null }>(
    `select distinct ${slug} as slug from ${db.table('raw_bitbucket', 'workspaces')}`,
  );
  const slugs = new Set<string>();
  for (const row of connections)
    if (Array.isArray(row.workspaces)) for (const ws of row.workspaces) slugs.add(String(ws));
  for (const row of listed) if (row.slug) slugs.add(row.slug);
  return [...slugs].sort();
}

/**
 * Stores a price (replacing one of the same workspace and day). Throws SeatPriceError, storing
 * nothing, on a bad amount, currency or date, or a workspace the warehouse does not know.
 */
export async function setSeatPrice(
  db: WarehouseEngine,
  input: SeatPriceInput,
  at = new Date(),
): Promise<Omit<SeatPrice, 'setAt'>> {
  const price = parseSeatPrice(input);
  if (price.workspace !== DEFAULT_WORKSPACE) {
    const known = await knownWorkspaces(db);
    if (!known.includes(price.workspace))
      throw new SeatPriceError(
        `workspace "${price.workspace}" is not in the warehouse (${
          known.length ? `known: ${known.join(', ')}` : 'connect Bitbucket and sync first'
        }; or give '*' for the default of every workspace)`,
      );
  }
  const table = db.table('etl_meta', 'seat_prices');
  const params = [price.workspace, price.effectiveFrom, price.amount, price.currency, at];
  await db.query(
    db.dialect === 'postgres'
      ? `insert into ${table} as p (workspace, effective_from, amount, currency, set_at)
         values ($1, cast($2 as date), cast($3 as numeric), $4, $5)
         on conflict (workspace, effective_from) do update
         set amount = excluded.amount, currency = excluded.currency, set_at = excluded.set_at`
      : `merge ${table} p using (select $1 as workspace, cast($2 as date) as effective_from) s
         on p.workspace = s.workspace and p.effective_from = s.effective_from
         when matched then update set amount = cast($3 as numeric), currency = $4, set_at = $5
         when not matched then insert (workspace, effective_from, amount, currency, set_at)
           values ($1, cast($2 as date), cast($3 as numeric), $4, $5)`,
    params,
  );
  return price;
}

/** Every stored price, by workspace ('*' first) and day. */
export async function listSeatPrices(db: WarehouseEngine): Promise<SeatPrice[]> {
  const text = db.dialect === 'postgres' ? 'text' : 'string';
  const rows = await db.query<{
    workspace: string;
    effective_from: string;
    amount: string;
    currency: string;
    set_at: unknown;
  }>(
    `select workspace, cast(effective_from as ${text}) as effective_from, cast(amount as ${text}) as amount,
            currency, set_at
     from ${db.table('etl_meta', 'seat_prices')}
     order by workspace, effective_from`,
  );
  return rows.map((r) => ({
    workspace: r.workspace,
    effectiveFrom: r.effective_from,
    amount: String(Number(r.amount)),
    currency: r.currency,
    setAt: toDate(r.set_at) as Date,
  }));
}
