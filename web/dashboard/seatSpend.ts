// What seats cost, month by month (fct_seat_spend_monthly; a team's members' seats from
// fct_team_seat_spend_monthly), for the Seats page: spend, the part paid for idle seats, and what
// reclaiming the seats idle long enough would save (fct_reclaimable_seats). Without a seat price
// the marts leave spend null, never 0, and so does the page, saying how to set one.
import type { Filters } from './filters';
import { martColumn, martKpi } from './glossary';
import { type MartReader, toNumber, toText } from './marts';
import type { Format, Kpi, Section } from './model';
import { couldSaveKpi, reclaimableSeats } from './reclaimable';
import { priceHint } from './seatPrice';

const MONTH_COLUMNS = [
  'paid_seats',
  'active_seats',
  'idle_seats',
  'seat_price',
  'spend',
  'idle_seat_spend',
] as const;

type SpendMonth = { month: string; currency: string | null } & Record<
  (typeof MONTH_COLUMNS)[number],
  number | null
>;

/** The workspace's months, or the team's, that overlap the range. */
async function spendMonths(reader: MartReader, f: Filters): Promise<{ mart: string; months: SpendMonth[] }> {
  const [mart, key, value] = f.team
    ? ['fct_team_seat_spend_monthly', 'team_key', f.team.teamKey]
    : ['fct_seat_spend_monthly', 'workspace_uuid', f.workspace.uuid];
  const rows = await reader.rows(
    `select ${reader.day('month_start')} as month_start, currency, ${MONTH_COLUMNS.join(', ')}
     from ${reader.mart(mart)}
     where ${key} = $1 and month_start between cast($2 as date) and cast($3 as date)
     order by month_start`,
    [value, `${f.from.slice(0, 7)}-01`, f.to],
  );
  const months = rows.map((r) => ({
    month: String(toText(r.month_start)).slice(0, 7),
    currency: toText(r.currency),
    ...(Object.fromEntries(MONTH_COLUMNS.map((c) => [c, toNumber(r[c])])) as Record<
      (typeof MONTH_COLUMNS)[number],
      number | null
    >),
  }));
  return { mart, months };
}

/** The spend KPIs (the range's last month, and what reclaiming would save) and the monthly section. */
export async function loadSpend(
  reader: MartReader,
  f: Filters,
): Promise<{ kpis: Kpi[]; sections: Section[]; notes: string[] }> {
  const couldSave = couldSaveKpi(await reclaimableSeats(reader, f));
  if (f.project)
    return {
      kpis: [couldSave],
      sections: [],
      notes: ['Spend is counted per workspace and per team, not per project: clear the project to see it.'],
    };
  const { mart, months } = await spendMonths(reader, f);
  const last = months.at(-1);
  const inMonth = last
    ? ` in ${last.month}${last.month === f.lastDay.slice(0, 7) ? ` (to ${f.lastDay})` : ''}`
    : '';
  const money = (column: 'spend' | 'idle_seat_spend', label: string): Kpi =>
    martKpi(mart, column, {
      metric: column,
      label,
      value: last?.[column] ?? null,
      format: 'money',
      nullText: 'not set',
      hint: !last
        ? 'no seats in this range'
        : last[column] === null
          ? `no seat price set${inMonth}`
          : `${last.currency}${inMonth}`,
    });
  const col = (column: string, label: string, format: Format, nullText?: string) => ({
    ...martColumn(mart, column, label, format),
    nullText,
  });
  const priced = months.filter((m) => m.spend !== null);
  const scope = f.team ? `team ${f.team.name}` : f.workspace.key;
  return {
    kpis: [money('spend', 'Spend'), money('idle_seat_spend', 'Idle-seat spend'), couldSave],
    notes: months.some((m) => m.spend === null) ? [priceHint(f)] : [],
    sections: [
      {
        heading: `Seat spend by month: ${scope}`,
        note: 'Each day a seat is held costs the month’s price ÷ the days in the month; the first and current months count only the days the data covers. A seat is idle in a month its holder did nothing in.',
        // Nothing to draw without a price: the table says "not set".
        chart: priced.length
          ? {
              id: 'spend-chart',
              kind: 'line',
              title: `Seat spend by month, ${scope}`,
              labels: months.map((m) => m.month),
              series: [
                { label: 'Spend', data: months.map((m) => m.spend) },
                { label: 'Idle-seat spend', data: months.map((m) => m.idle_seat_spend), tone: 'bad' },
              ],
              unit: priced[0]?.currency ?? undefined,
            }
          : undefined,
        table: {
          id: 'spend-months',
          caption: `Seat spend by month, ${scope}`,
          columns: [
            { key: 'month', label: 'Month', format: 'text' },
            col('paid_seats', 'Paid seats', 'int'),
            col('active_seats', 'Active seats', 'int'),
            col('idle_seats', 'Idle seats', 'int'),
            col('seat_price', 'Price a seat', 'money', 'not set'),
            col('spend', 'Spend', 'money', 'not set'),
            col('idle_seat_spend', 'Idle-seat spend', 'money', 'not set'),
            col('currency', 'Currency', 'text'),
          ],
          rows: months,
          empty: 'No paid seats in this range.',
        },
      },
    ],
  };
}
