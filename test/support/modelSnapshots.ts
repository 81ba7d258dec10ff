// Models as comparable data: every row of a built model as a sorted list of JSON lines, so two
// builds (an incremental one and a full refresh, or two pipelines) compare row for row.
import { loadProject } from '../../transforms/project';
import { planRun } from '../../transforms/run';
import { DEFAULT_PROJECT_DIR } from '../../transforms/service';
import type { Schema, WarehouseEngine } from '../../warehouse/engine';

/** Every model stored as a table (views are recomputed on read and cannot drift). */
export function storedModels(db: WarehouseEngine): Array<{ name: string; layer: Schema }> {
  const project = loadProject(DEFAULT_PROJECT_DIR);
  const { compiled } = planRun(db, project);
  return [...project.models.values()]
    .filter((m) => compiled.get(m.name)?.config.materialized !== 'view')
    .map((m) => ({ name: m.name, layer: m.layer }));
}

const canonical = (value: unknown): unknown =>
  value instanceof Date
    ? value.toISOString()
    : value !== null && typeof value === 'object' && 'value' in value
      ? String((value as { value: unknown }).value)
      : value;

/**
 * Columns that say when and from which earlier version a row was computed, not what it says: an
 * incremental build and a full refresh (or two pipelines) differ there by design.
 */
const BOOKKEEPING = new Set([
  '_transformed_at',
  '_changed_at',
  'previous_occurred_at',
  'previous_workspace_uuid',
  'previous_actor_uuid',
  'previous_author_email',
]);

/** A model's rows as sorted JSON lines (bookkeeping columns left out). */
export async function modelRows(db: WarehouseEngine, layer: Schema, name: string): Promise<string[]> {
  const rows = await db.query(`select * from ${db.table(layer, name)}`);
  return rows
    .map((row) =>
      JSON.stringify(
        Object.entries(row)
          .filter(([k]) => !BOOKKEEPING.has(k))
          .map(([k, v]) => [k, canonical(v)]),
      ),
    )
    .sort();
}

/** Every stored mart's rows, by mart name. */
export async function martRows(db: WarehouseEngine): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const m of storedModels(db).filter((m) => m.layer === 'marts'))
    out[m.name] = await modelRows(db, m.layer, m.name);
  return out;
}
