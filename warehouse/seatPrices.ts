// etl_meta.seat_prices: the price of a seat per month, per workspace slug ('*': the default of
// every workspace without a price of its own), dated: a price applies from its effective_from day
// until the next price of the same workspace. The transforms read it (fct_seat_spend_monthly);
// this module validates and keeps the rows. A bad price is refused before anything is stored.
// Where no stored price applies, the configured default (SEAT_PRICE, the transforms' `seat_price`
// run variable) does; it is checked here too.
import {
  DEFAULT_WORKSPACE,
  parseSeatPrice,
  type SeatPrice,
  SeatPriceError,
  type SeatPriceInput,
} from '../lib/seatPrice';
import type { WarehouseEngine } from './engine';
import { toDate } from './jsonValues';

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
