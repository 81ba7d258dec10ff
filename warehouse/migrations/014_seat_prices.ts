import type { Migration } from '../migrate';

// The price of a seat per month, dated (`bbetl workspace price`): one row per workspace slug ('*':
// the default of every workspace without its own) and day from which the price applies, until the
// next row of the same workspace. The transforms read it (fct_seat_spend_monthly).
export const seatPrices: Migration = {
  id: '014_seat_prices',
  postgres: (db) => [
    `create table ${db.table('etl_meta', 'seat_prices')} (
      workspace text not null,
      effective_from date not null,
      amount numeric not null check (amount >= 0),
      currency text not null check (currency ~ '^[A-Z]{3}$'),
      set_at timestamptz not null default now(),
      primary key (workspace, effective_from)
    )`,
  ],
  bigquery: (db) => [
    `create table if not exists ${db.table('etl_meta', 'seat_prices')} (
      workspace string not null,
      effective_from date not null,
      amount numeric not null,
      currency string not null,
      set_at timestamp not null
    )`,
  ],
};
