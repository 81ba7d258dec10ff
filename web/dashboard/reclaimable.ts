// Reclaimable seats: the seats idle for at least reclaim_after_days (fct_reclaimable_seats, the
// rows `bbetl report seats` prints), with what removing each would save a month; sortable by any
// column, narrowed to a team or a project. The table is also the CSV export, row for row. The mart
// is as of the data's as-of date, so the date range does not apply here.
import type { Filters } from './filters';
import { martColumn, martKpi } from './glossary';
import type { MartReader } from './marts';
import type { Column, Format, Kpi, PageModel, Table } from './model';
import { monthlySaving, type ReclaimableSeat, readReclaimableSeats } from './reclaimableSeats';
import { priceHint } from './seatPrice';
import { checkedSort, sortableColumns, sortRows } from './sort';

export const RECLAIMABLE_FILTERS = ['team', 'project', 'sort'] as const;

const seat = (column: string, label: string, format: Format, nullText?: string): Column => ({
  ...martColumn('fct_reclaimable_seats', column, label, format),
  nullText,
});

const COLUMNS: Column[] = [
  seat('display_name', 'User', 'text'),
  seat('last_active_at', 'Last activity', 'day', 'never'),
  seat('last_feature', 'Last feature', 'text'),
  seat('idle_days', 'Idle days', 'int'),
  seat('teams', 'Teams', 'text'),
  seat('monthly_saving', 'Saves a month', 'money', 'not set'),
  seat('currency', 'Currency', 'text'),
];
const SORTABLE = COLUMNS.map((c) => c.key);

/** The seats of the filters' workspace, team or project, unsorted (the query's order). */
export const reclaimableSeats = (reader: MartReader, f: Filters): Promise<ReclaimableSeat[]> =>
  readReclaimableSeats(reader, {
    workspaceUuid: f.workspace.uuid,
    teamKey: f.team?.teamKey,
    projectKey: f.project?.key,
  });

const scopeName = (f: Filters) =>
  f.team ? ` in team ${f.team.name}` : f.project ? ` with access to project ${f.project.key}` : '';

function seatsTable(seats: ReclaimableSeat[], f: Filters): Table {
  const sort = checkedSort(f, SORTABLE);
  const rows = seats.map((s) => ({
    ...s,
    display_name: s.display_name ?? s.user_uuid,
    // the day is what a reader needs; the time is in `bbetl report seats --format json`
    last_active_at: s.last_active_at?.slice(0, 10) ?? null,
  }));
  return {
    id: 'reclaimable-seats',
    caption: `Reclaimable seats${scopeName(f)} as of ${f.lastDay}`,
    columns: sortableColumns(COLUMNS, SORTABLE, f, RECLAIMABLE_FILTERS),
    rows: sortRows(rows, sort),
    empty: 'No seat has been idle long enough to reclaim.',
  };
}

/** The page's table and its CSV export. */
export async function reclaimableTable(reader: MartReader, f: Filters): Promise<Table> {
  return seatsTable(await reclaimableSeats(reader, f), f);
}

/** "Could save per month": the reclaimable seats' monthly amounts, summed. */
export function couldSaveKpi(seats: ReclaimableSeat[]): Kpi {
  const saving = monthlySaving(seats);
  return martKpi('fct_reclaimable_seats', 'monthly_saving', {
    metric: 'could_save',
    label: 'Could save per month',
    value: saving.amount,
    format: 'money',
    nullText: 'not set',
    hint:
      saving.amount === null
        ? 'no seat price set'
        : `${saving.currency ?? ''} a month, reclaiming ${seats.length} idle seat${seats.length === 1 ? '' : 's'}`.trim(),
  });
}

export async function loadReclaimable(reader: MartReader, f: Filters): Promise<PageModel> {
  const seats = await reclaimableSeats(reader, f);
  const table = seatsTable(seats, f);
  const kpis: Kpi[] = [
    martKpi('fct_reclaimable_seats', 'user_uuid', {
      metric: 'reclaimable_seats',
      label: 'Reclaimable seats',
      value: seats.length,
      format: 'int',
      hint: `as of ${f.lastDay}`,
    }),
    couldSaveKpi(seats),
    martKpi('fct_reclaimable_seats', 'idle_days', {
      metric: 'longest_idle_days',
      label: 'Longest idle (days)',
      value: seats.length ? Math.max(...seats.map((s) => s.idle_days)) : null,
      format: 'int',
    }),
  ];
  const unpriced = seats.some((s) => s.monthly_saving === null);
  return {
    kpis,
    notes: [
      `As of ${f.lastDay}, the last day the data covers; the date range does not apply to this page.`,
      'A seat is reclaimable when its holder has done nothing for at least reclaim_after_days days (60 unless the transforms set it otherwise); reclaiming it means removing the member in Bitbucket.',
      ...(f.project
        ? [
            'For a project: the holders who reach it through a team with a permission on it (direct user permissions are not counted).',
          ]
        : []),
      ...(unpriced ? [priceHint(f)] : []),
    ],
    sections: [{ heading: 'Who holds them', table }],
  };
}
