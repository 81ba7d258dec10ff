// Which models a whole-project transform run builds (a selection builds every model it selects,
// as dbt does). A model is current, and left as it is, when its SQL and its yml are the ones it
// was built from, it reads no source directly (those are how changes come in: the staging
// models find them, incrementally), its relation exists, and no model it reads changed since it
// was built: its rows would come out the same. An incremental model with incremental_inputs is
// built in full when a model outside them changed (its incremental branch cannot account for it).
// What each build found is written to etl_meta.model_builds at the end of the run; a run that
// never got there (a crash) leaves its start marker, and the next run trusts no record of change.
import type { WarehouseEngine } from '../warehouse/engine';
import { type ModelBuild, modelBuilds, recordBuilds, runStamp, sqlHash } from '../warehouse/modelBuilds';
import type { CompiledModel } from './compile';
import type { Dag } from './dag';
import type { ModelFile } from './project';

/** The row that marks a run started (built_at) and finished (changed_at, the same stamp). */
const RUN_MARKER = '(transform run)';

interface Plan {
  dag: Dag;
  compiled: ReadonlyMap<string, CompiledModel>;
  models: ReadonlyMap<string, ModelFile>;
}

/** What a model is built from, as recorded: its SQL's hash, then its yml's (descriptions, tests). */
const definition = (sql: string, file: ModelFile | undefined) =>
  `${sqlHash(sql)}.${sqlHash(JSON.stringify(file?.doc ?? null))}`;
const sqlPart = (recorded: string | undefined) => recorded?.split('.')[0];

export class BuildTracker {
  /** Models settled in this run: when their rows last changed (ms). */
  private readonly changedAt = new Map<string, number>();
  /** Incremental models built in full this run, changing their rows: this run's stamp (ms). */
  private readonly rebuiltAt = new Map<string, number>();
  /** Models built this run from SQL other than their record's (or with no record). */
  private readonly redefined = new Set<string>();
  private readonly written = new Map<string, ModelBuild>();

  private constructor(
    private readonly plan: Plan,
    private readonly builds: ReadonlyMap<string, ModelBuild>,
    /** The previous run finished: the records of change can be trusted. */
    private readonly trusted: boolean,
    readonly stamp: Date,
  ) {}

  /** Reads the records and marks this run started. */
  static async start(db: WarehouseEngine, plan: Plan): Promise<BuildTracker> {
    const builds = await modelBuilds(db);
    const marker = builds.get(RUN_MARKER);
    const trusted = !marker || marker.changedAt?.getTime() === marker.builtAt.getTime();
    const stamp = runStamp(builds);
    const started = { sqlHash: '', builtAt: stamp, changedAt: new Date(0), rebuiltAt: null };
    await recordBuilds(db, new Map([[RUN_MARKER, started]]));
    return new BuildTracker(plan, builds, trusted, stamp);
  }

  private definition(name: string): string {
    return definition(this.plan.compiled.get(name)?.sql ?? '', this.plan.models.get(name));
  }

  /** The model's relation was built from the SQL it has now. */
  sameSql(name: string): boolean {
    return sqlPart(this.builds.get(name)?.sqlHash) === sqlPart(this.definition(name));
  }

  /** When the model's rows last changed (ms); Infinity when not known. */
  private changedOf(name: string): number {
    const settled = this.changedAt.get(name);
    if (settled !== undefined) return settled;
    if (!this.trusted) return Number.POSITIVE_INFINITY;
    return this.builds.get(name)?.changedAt?.getTime() ?? Number.POSITIVE_INFINITY;
  }

  /** When a full build last changed the incremental model's rows (ms); Infinity when not known. */
  private rebuiltOf(name: string): number {
    const settled = this.rebuiltAt.get(name);
    if (settled !== undefined) return settled;
    if (!this.trusted) return Number.POSITIVE_INFINITY;
    const record = this.builds.get(name);
    if (!record) return Number.POSITIVE_INFINITY;
    return record.rebuiltAt?.getTime() ?? 0;
  }

  /** Current: nothing it reads changed since it was built from this SQL (its relation's existence is the caller's to check). */
  isCurrent(name: string): boolean {
    const record = this.builds.get(name);
    const model = this.plan.compiled.get(name);
    if (!record || !model || record.sqlHash !== this.definition(name) || model.sources.length > 0)
      return false;
    const builtAt = record.builtAt.getTime();
    return [...(this.plan.dag.parents.get(name) ?? [])].every((p) => this.changedOf(p) <= builtAt);
  }

  /**
   * An incremental model with incremental_inputs: the model it reads that changed since its build
   * in a way its incremental branch does not account for, if any; such a change needs a full build.
   * Read through: views, and the inputs that are tables or views (their own changes are accounted
   * for, not necessarily those of what they read). An incremental input's changes are accounted
   * for unless a full build made them; any other model's are not.
   */
  unaccountedChange(name: string): string | undefined {
    const inputs = this.plan.compiled.get(name)?.config.incrementalInputs;
    const builtAt = this.builds.get(name)?.builtAt.getTime();
    if (!inputs || builtAt === undefined) return undefined;
    const seen = new Set<string>();
    const visit = (model: string): string | undefined => {
      for (const parent of this.plan.dag.parents.get(model) ?? []) {
        if (seen.has(parent)) continue;
        seen.add(parent);
        const materialized = this.plan.compiled.get(parent)?.config.materialized;
        const input = inputs.includes(parent);
        if (input && materialized === 'incremental') {
          if (this.rebuiltOf(parent) > builtAt) return parent;
        } else if (input || (materialized === 'view' && !this.redefined.has(parent))) {
          const through = visit(parent);
          if (through) return through;
        } else if (this.changedOf(parent) > builtAt) return parent;
      }
      return undefined;
    };
    return visit(name);
  }

  /** The model last passed its build and tests with the SQL and yml it has now. */
  passedBefore(name: string): boolean {
    return this.builds.get(name)?.sqlHash === this.definition(name);
  }

  /** The model's rows changed in this run. */
  changedThisRun(name: string): boolean {
    return this.changedAt.get(name) === this.stamp.getTime();
  }

  /** The model is current: left as it is. */
  keep(name: string): void {
    this.changedAt.set(name, this.changedOf(name));
  }

  /**
   * The model was materialized (`full`: not incrementally); `changed`: its rows may differ from
   * before; `ok`: it and its tests passed (else its next run builds it in full: the record names
   * no SQL); `untested`: some of its tests could not run (a model they read was not built), so it
   * has not passed them all: its next run builds it (incrementally) and tests every row.
   */
  built(
    name: string,
    {
      changed,
      full,
      ok,
      untested = false,
    }: { changed: boolean; full: boolean; ok: boolean; untested?: boolean },
  ): void {
    const record = this.builds.get(name);
    if (!this.sameSql(name)) this.redefined.add(name);
    // After a run that did not finish, rows found unchanged may be ones that run changed: counted
    // as changed now (and, for an incremental model, as rebuilt in full).
    const changedAt = changed || !this.trusted || !record?.changedAt ? this.stamp : record.changedAt;
    const rebuiltAt = (changed && full) || !this.trusted ? this.stamp : (record?.rebuiltAt ?? null);
    this.changedAt.set(name, changedAt.getTime());
    if (rebuiltAt) this.rebuiltAt.set(name, rebuiltAt.getTime());
    this.written.set(name, {
      sqlHash: !ok ? '' : untested ? `${this.definition(name)}.untested` : this.definition(name),
      builtAt: ok ? this.stamp : (record?.builtAt ?? new Date(0)),
      changedAt,
      rebuiltAt,
    });
  }

  /** Writes what the run found, and marks it finished. */
  async finish(db: WarehouseEngine): Promise<void> {
    this.written.set(RUN_MARKER, {
      sqlHash: '',
      builtAt: this.stamp,
      changedAt: this.stamp,
      rebuiltAt: null,
    });
    await recordBuilds(db, this.written);
  }
}
