// Pages on their way to the warehouse. Most pages hold a handful of records (a pull request's
// tasks, a pipeline's steps), and a transaction per page cost more than the page itself: pages are
// gathered, across parents too, and written in one loadRecords call per stream once a batch is
// full (and at the end). A checkpoint is written with or after the flush that covers it, so a
// crash re-reads what one batch read: the page and age limits keep that to a few requests.
import type { Page } from '../bitbucket/streams/iterate';
import type { WarehouseEngine } from '../warehouse/engine';
import { recordError } from '../warehouse/ledger';
import { loadRecords } from '../warehouse/raw/load';
import type { RawRecord } from '../warehouse/raw/records';
import type { StreamStateWrite } from '../warehouse/raw/state';

/** A batch is full at this many records (and rejects), or pages, or this age (ms) of its first page. */
export const BATCH_LIMITS = { records: 1_000, pages: 8, ageMs: 5_000 };

/** What one flush wrote for one stream, and how long the write took. */
export interface BatchWritten {
  stream: string;
  records: number;
  rejects: number;
  seconds: number;
}

export interface BatchScope {
  connectionId: string;
  runId: string;
  workspaceUuid?: string;
}

export class PageBatch {
  private pages: Page[] = [];
  private size = 0;
  private firstAddedAt = 0;

  constructor(
    private readonly db: WarehouseEngine,
    private readonly scope: BatchScope,
    /** Told what each flush wrote, per stream that had records or rejects. */
    private readonly written: (written: BatchWritten) => void,
  ) {}

  add(page: Page): void {
    if (this.pages.length === 0) this.firstAddedAt = Date.now();
    this.pages.push(page);
    this.size += page.records.length + page.rejects.length;
  }

  get full(): boolean {
    return (
      this.size >= BATCH_LIMITS.records ||
      this.pages.length >= BATCH_LIMITS.pages ||
      (this.pages.length > 0 && Date.now() - this.firstAddedAt >= BATCH_LIMITS.ageMs)
    );
  }

  /**
   * Writes what was gathered, in page order within each stream (a key read twice keeps its later
   * record). `state` goes in the same transaction as the records of its stream, or alone when
   * that stream has none waiting.
   */
  async flush(state?: { stream: string } & StreamStateWrite): Promise<void> {
    const pages = this.pages;
    this.pages = [];
    this.size = 0;
    const streams = [...new Set([...pages.map((p) => p.stream), ...(state ? [state.stream] : [])])];
    for (const stream of streams) {
      const startedAt = performance.now();
      const ofStream = pages.filter((p) => p.stream === stream);
      const records = ofStream.flatMap((p) => p.records);
      const { stream: _, ...stateWrite } = state?.stream === stream ? state : {};
      if (records.length > 0 || state?.stream === stream) {
        const { altered } = await loadRecords(this.db, {
          stream,
          connectionId: this.scope.connectionId,
          workspaceUuid: this.scope.workspaceUuid ?? null,
          runId: this.scope.runId,
          records,
          ...(state?.stream === stream ? { state: stateWrite as StreamStateWrite } : {}),
          // Only `altered` is read here: BigQuery skips counting what the MERGE will change.
          counts: false,
        });
        await this.parkAlteredText(stream, altered);
      }
      const rejects = ofStream.flatMap((p) => p.rejects);
      for (const reject of rejects) {
        await recordError(this.db, {
          connectionId: this.scope.connectionId,
          runId: this.scope.runId,
          stream,
          kind: 'BAD_PAYLOAD',
          message: reject.reason,
          raw: reject.raw,
        });
      }
      if (records.length + rejects.length > 0)
        this.written({
          stream,
          records: records.length,
          rejects: rejects.length,
          seconds: (performance.now() - startedAt) / 1000,
        });
    }
  }

  /**
   * A record holding text no warehouse can store (NUL, lone surrogates) is stored with U+FFFD in
   * its place (loadRecords says which); the record as sent is parked in etl_meta.errors, where JSON
   * escapes keep it intact.
   */
  private async parkAlteredText(stream: string, altered: readonly RawRecord[]): Promise<void> {
    for (const record of altered) {
      await recordError(this.db, {
        connectionId: this.scope.connectionId,
        runId: this.scope.runId,
        stream,
        recordKey: record.key,
        kind: 'ALTERED_TEXT',
        message: `${stream}: NUL or lone surrogate characters stored as U+FFFD; raw holds the record as sent`,
        raw: JSON.stringify(record.payload),
      });
    }
  }
}
