// What a dashboard page hands its template: headline numbers (KPI tiles), then sections, each a
// chart with the table of its numbers or a table alone. One template draws every page from this,
// and the CSV export writes the same table, so what a page shows and what it exports cannot drift.

/** How a value is written: counts, decimals, money (two decimals), shares (0–1 as %), days or text. */
export type Format = 'text' | 'int' | 'num' | 'money' | 'pct' | 'day';

export interface Column {
  key: string;
  label: string;
  format: Format;
  /** The column's definition in the glossary. */
  glossary?: string;
  /** The row key holding a link for this cell (e.g. to the page filtered on the row's team). */
  hrefKey?: string;
  /** Said for a null value where – would hide what it means (e.g. "never", "not set"). */
  nullText?: string;
  /** A sortable column: the link that sorts the table by it, and whether it is sorted now. */
  sort?: { href: string; current?: 'asc' | 'desc' };
}

export type TableRow = Record<string, unknown>;

export interface Table {
  /** The element id; tests and the CSV export name the table by it. */
  id: string;
  caption: string;
  columns: Column[];
  rows: TableRow[];
  /** Said instead of an empty table. */
  empty: string;
  /** Long tables behind a disclosure ("Show the numbers"). */
  collapsed?: boolean;
}

export interface Kpi {
  /** A stable name for the figure (data-metric), e.g. seats. */
  metric: string;
  label: string;
  value: number | string | null;
  format: Format;
  glossary?: string;
  hint?: string;
  /** Said for a null value where – would hide what it means (e.g. "not set" for spend without a price). */
  nullText?: string;
}

export interface ChartSeries {
  label: string;
  data: Array<number | null>;
  /** A line drawn over bars (e.g. the median cycle time over its stacked components). */
  line?: boolean;
  /** A colour that means something (successes green, failures red) instead of the palette's next. */
  tone?: 'good' | 'bad' | 'neutral';
}

/** A chart's data island: charts.js turns it into a Chart.js config. */
export interface Chart {
  id: string;
  kind: 'line' | 'bar';
  title: string;
  labels: string[];
  series: ChartSeries[];
  stacked?: boolean;
  horizontal?: boolean;
  /** Whole numbers (seats, runs, deployments): the value axis ticks only whole numbers too. */
  counts?: boolean;
  /** How the value axis reads: a share (0–1 shown as %), or a unit named on the axis. */
  unit?: 'share' | string;
}

export interface Section {
  heading: string;
  note?: string;
  chart?: Chart;
  table?: Table;
}

export interface PageModel {
  kpis: Kpi[];
  sections: Section[];
  /** What the figures are as of, or what the page ignores (e.g. the date range). */
  notes: string[];
}

/** A chart's numbers as a table: one row per label, one column per series. */
export function chartTable(chart: Chart, labelColumn: Column, format: Format): Table {
  const keys = chart.series.map((_, i) => `s${i}`);
  return {
    id: `${chart.id}-table`,
    caption: `${chart.title}: the numbers`,
    columns: [
      labelColumn,
      ...chart.series.map((s, i) => ({ key: keys[i] as string, label: s.label, format })),
    ],
    rows: chart.labels.map((label, row) =>
      Object.fromEntries([[labelColumn.key, label], ...chart.series.map((s, i) => [keys[i], s.data[row]])]),
    ),
    empty: 'No data in this range.',
    collapsed: true,
  };
}
