// The dashboard's pages, in the order of its sub-navigation: where each lives, what it is called,
// which filters it offers and what loads it.
import { loadAdoption } from './adoption';
import { loadDora } from './dora';
import type { FilterName, Filters } from './filters';
import type { MartReader } from './marts';
import type { PageModel, Table } from './model';
import { loadPipelines } from './pipelines';
import { loadPullRequests } from './pullRequests';
import { loadReclaimable, RECLAIMABLE_FILTERS, reclaimableTable } from './reclaimable';
import { loadSeats } from './seats';
import { loadUsage } from './usage';

export interface DashboardPage {
  path: string;
  /** In the sub-navigation. */
  nav: string;
  title: string;
  intro: string;
  filters: readonly FilterName[];
  /** False where the figures are as of the data's last day whatever the range. */
  usesRange: boolean;
  load(reader: MartReader, filters: Filters): Promise<PageModel>;
  /** The page's main table as CSV, at `path`, with the page's filters. */
  csv?: { path: string; table(reader: MartReader, filters: Filters): Promise<Table> };
}

/** Addresses of pages that were replaced, to their replacement: old bookmarks keep working. */
export const MOVED_PAGES: Readonly<Record<string, string>> = {
  // "Idle seats to reclaim" (idle 30 days) became Reclaimable seats (fct_reclaimable_seats)
  '/dashboard/idle-seats': '/dashboard/reclaimable-seats',
  '/dashboard/idle-seats.csv': '/dashboard/reclaimable-seats.csv',
};

export const DASHBOARD_PAGES: readonly DashboardPage[] = [
  {
    path: '/dashboard',
    nav: 'Seats',
    title: 'Seat utilization',
    intro:
      'Paid seats against the seats whose holder did anything in the last 30 days, and what the seats cost month by month.',
    filters: ['team', 'project'],
    usesRange: true,
    load: loadSeats,
  },
  {
    path: '/dashboard/reclaimable-seats',
    nav: 'Reclaimable seats',
    title: 'Reclaimable seats',
    intro:
      'Seats whose holder has done nothing for long enough to remove, with their last action and what each would save a month.',
    filters: RECLAIMABLE_FILTERS,
    usesRange: false,
    load: loadReclaimable,
    csv: { path: '/dashboard/reclaimable-seats.csv', table: reclaimableTable },
  },
  {
    path: '/dashboard/adoption',
    nav: 'Feature adoption',
    title: 'Feature adoption',
    intro: 'The share of paid seats that used each Bitbucket feature, period by period.',
    filters: ['team', 'project', 'period'],
    usesRange: true,
    load: loadAdoption,
  },
  {
    path: '/dashboard/usage',
    nav: 'Usage by user',
    title: 'Feature usage by user',
    intro: 'Who did what: each user’s actions per feature over the range.',
    filters: ['team'],
    usesRange: true,
    load: loadUsage,
  },
  {
    path: '/dashboard/pull-requests',
    nav: 'Pull requests',
    title: 'Pull-request flow',
    intro: 'How long merged pull requests took, from the first commit to the merge, phase by phase.',
    filters: ['project'],
    usesRange: true,
    load: loadPullRequests,
  },
  {
    path: '/dashboard/pipelines',
    nav: 'Pipelines',
    title: 'Pipeline minutes',
    intro: 'Bitbucket Pipelines build minutes and runs, by repository and by what triggered them.',
    filters: ['project'],
    usesRange: true,
    load: loadPipelines,
  },
  {
    path: '/dashboard/dora',
    nav: 'DORA',
    title: 'DORA metrics',
    intro: 'Deployment frequency, lead time for changes, change failure rate and time to restore.',
    filters: ['environment'],
    usesRange: true,
    load: loadDora,
  },
];
