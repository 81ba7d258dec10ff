// The work of `bbetl report` (loaded only when it runs).
import { formatTable } from '../../lib/table';
import { toDate } from '../../warehouse/jsonValues';
import { toCsv } from '../../web/dashboard/csv';
import { UsageError } from './options';
import type { ReportFlags } from './report';
import { withWarehouse } from './warehouseCommand';

const COLUMNS = [
  'workspace',
  'workspace_uuid',
  'user_uuid',
  'display_name',
  'last_active_at',
  'last_feature',
  'idle_days',
  'teams',
  'monthly_saving',
  'currency',
] as const;

type Seat = Record<(typeof COLUMNS)[number], string | number | null>;

export async function reportSeats(flags: ReportFlags): Promise<void> {
  const seats = await withWarehouse(async (db) => {
    const seatsTable = db.table('marts', 'fct_reclaimable_seats');
    let rows: Record<string, unknown>[];
    try {
      rows = await db.query(
        `select workspaces.workspace_slug as workspace, seats.workspace_uuid, seats.user_uuid,
                seats.display_name, seats.last_active_at, seats.last_feature, seats.idle_days, seats.teams,
                seats.monthly_saving, seats.currency
         from ${seatsTable} seats
         left join ${db.table('marts', 'dim_workspaces')} workspaces
           on workspaces.workspace_uuid = seats.workspace_uuid
         order by seats.monthly_saving desc nulls last, seats.idle_days desc, seats.workspace_uuid,
                  seats.user_uuid`,
      );
    } catch {
      throw new UsageError('no reclaimable seats yet: the marts are not built (run `bbetl transform`)');
    }
    return rows.map((r): Seat => {
      const at = toDate(r.last_active_at);
      return {
        workspace: (r.workspace as string | null) ?? null,
        workspace_uuid: String(r.workspace_uuid),
        user_uuid: String(r.user_uuid),
        display_name: (r.display_name as string | null) ?? null,
        last_active_at: at ? at.toISOString() : null,
        last_feature: (r.last_feature as string | null) ?? null,
        idle_days: Number(r.idle_days),
        teams: (r.teams as string | null) ?? null,
        monthly_saving: r.monthly_saving === null ? null : Number(r.monthly_saving),
        currency: (r.currency as string | null) ?? null,
      };
    });
  });
  if (flags.format === 'json') {
    console.log(JSON.stringify(seats, null, 2));
  } else if (flags.format === 'csv') {
    process.stdout.write(
      toCsv({
        id: 'reclaimable-seats',
        caption: 'Reclaimable seats',
        columns: COLUMNS.map((key) => ({ key, label: key, format: 'text' as const })),
        rows: seats,
        empty: '',
      }),
    );
  } else if (seats.length === 0) {
    console.log('no seat has been idle long enough to reclaim');
  } else {
    console.log(
      formatTable([
        ['workspace', 'user', 'idle days', 'last active', 'last feature', 'teams', 'saves a month'],
        ...seats.map((s) => [
          String(s.workspace ?? s.workspace_uuid),
          String(s.display_name ?? s.user_uuid),
          String(s.idle_days),
          s.last_active_at ? String(s.last_active_at).slice(0, 10) : 'never',
          String(s.last_feature ?? ''),
          String(s.teams ?? ''),
          s.monthly_saving === null ? 'no price set' : `${s.monthly_saving} ${s.currency}`,
        ]),
      ]),
    );
  }
}
