// The seats idle long enough to reclaim (marts.fct_reclaimable_seats), read in one place for
// `bbetl report seats` and the dashboard's Reclaimable seats page, so both list the same seats, with
// the same values, in the same order: the biggest saving first, then the longest idle.
import { toDate } from '../../warehouse/jsonValues';
import { type MartReader, toNumber, toText } from './marts';

// a type, not an interface: a table row (Record<string, unknown>) as it is
export type ReclaimableSeat = {
  /** The workspace's slug; null when dim_workspaces does not list it. */
  workspace: string | null;
  workspace_uuid: string;
  user_uuid: string;
  display_name: string | null;
  /** ISO 8601 (UTC); null when never active in the data. */
  last_active_at: string | null;
  last_feature: string | null;
  idle_days: number;
  teams: string | null;
  /** Null when no seat price applies. */
  monthly_saving: number | null;
  currency: string | null;
};

/** Which seats: all of them, or a workspace's, narrowed to a team or a project. */
export interface SeatScope {
  workspaceUuid?: string;
  teamKey?: string;
  /**
   * A project's key: seats whose holder reaches the project through a team with a permission on
   * it (dim_teams.project_list). Direct user permissions are not in the marts, so do not count.
   */
  projectKey?: string;
}

export async function readReclaimableSeats(
  reader: MartReader,
  scope: SeatScope = {},
): Promise<ReclaimableSeat[]> {
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const inTeams = (teamCondition: string) =>
    `exists (select 1 from ${reader.mart('bridge_user_teams')} b
       join ${reader.mart('dim_teams')} t on t.team_key = b.team_key
       where b.workspace_uuid = seats.workspace_uuid and b.user_uuid = seats.user_uuid and ${teamCondition})`;
  const where: string[] = [];
  if (scope.workspaceUuid) where.push(`seats.workspace_uuid = ${param(scope.workspaceUuid)}`);
  if (scope.teamKey) where.push(inTeams(`t.team_key = ${param(scope.teamKey)}`));
  // project_list is "KEY1, KEY2": the key between separators, so CORE does not match CORE2
  if (scope.projectKey)
    where.push(
      inTeams(`strpos(', ' || t.project_list || ', ', ', ' || ${param(scope.projectKey)} || ', ') > 0`),
    );
  const rows = await reader.rows(
    `select workspaces.workspace_slug as workspace, seats.workspace_uuid, seats.user_uuid,
            seats.display_name, seats.last_active_at, seats.last_feature, seats.idle_days, seats.teams,
            seats.monthly_saving, seats.currency
     from ${reader.mart('fct_reclaimable_seats')} seats
     left join ${reader.mart('dim_workspaces')} workspaces
       on workspaces.workspace_uuid = seats.workspace_uuid
     ${where.length ? `where ${where.join(' and ')}` : ''}
     order by seats.monthly_saving desc nulls last, seats.idle_days desc, seats.workspace_uuid,
              seats.user_uuid`,
    params,
  );
  return rows.map((r) => ({
    workspace: toText(r.workspace),
    workspace_uuid: String(r.workspace_uuid),
    user_uuid: String(r.user_uuid),
    display_name: toText(r.display_name),
    last_active_at: toDate(r.last_active_at)?.toISOString() ?? null,
    last_feature: toText(r.last_feature),
    idle_days: Number(toNumber(r.idle_days)),
    teams: toText(r.teams),
    monthly_saving: toNumber(r.monthly_saving),
    currency: toText(r.currency),
  }));
}

/**
 * What removing the seats would save a month: null when any of them has no price (spend is never
 * guessed), 0 when there are none to reclaim. Prices are per workspace, so one currency.
 */
export function monthlySaving(seats: ReclaimableSeat[]): { amount: number | null; currency: string | null } {
  if (seats.some((s) => s.monthly_saving === null)) return { amount: null, currency: null };
  // summed in cents: 0.1 + 0.2 must show as 0.30
  const cents = seats.reduce((total, s) => total + Math.round((s.monthly_saving ?? 0) * 100), 0);
  return { amount: cents / 100, currency: seats[0]?.currency ?? null };
}
