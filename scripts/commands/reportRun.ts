// The work of `bbetl report` (loaded only when it runs).
import { formatTable } from '../../lib/table';
import { toCsv } from '../../web/dashboard/csv';
import { MartReader } from '../../web/dashboard/marts';
import { readReclaimableSeats } from '../../web/dashboard/reclaimableSeats';
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

export async function reportSeats(flags: ReportFlags): Promise<void> {
  const seats = await withWarehouse(async (db) => {
    try {
      return await readReclaimableSeats(new MartReader(db));
    } catch {
      throw new UsageError('no reclaimable seats yet: the marts are not built (run `bbetl transform`)');
    }
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
