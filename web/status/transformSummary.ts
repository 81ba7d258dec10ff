// The last transform run in a few numbers: when it ran, how many models and data tests passed,
// and the nodes that did not.
import type { TransformNodeRow } from '../../warehouse/transformLedger';

export interface TransformSummary {
  runId: string;
  triggeredBy: string;
  startedAt: Date;
  endedAt: Date;
  models: number;
  tests: number;
  /** Failed or skipped models, failed, erroring or warning tests. */
  problems: TransformNodeRow[];
}

const FINE = new Set(['success', 'pass']);

export function summarizeTransformRun(nodes: readonly TransformNodeRow[]): TransformSummary | undefined {
  const [first] = nodes;
  if (!first) return undefined;
  const ends = nodes.map((n) => n.startedAt.getTime() + n.ms);
  return {
    runId: first.runId,
    triggeredBy: first.triggeredBy,
    startedAt: new Date(Math.min(...nodes.map((n) => n.startedAt.getTime()))),
    endedAt: new Date(Math.max(...ends)),
    models: nodes.filter((n) => n.kind === 'model').length,
    tests: nodes.filter((n) => n.kind === 'test').length,
    problems: nodes.filter((n) => !FINE.has(n.status)),
  };
}
