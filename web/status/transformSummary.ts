// The last transform run in a few numbers: when it ran, how many models and data tests passed,
// whether it failed, and the nodes that did not pass. Warnings apart: a data test at severity warn
// (values Bitbucket sent that the models did not expect) or a model built short of its
// descriptions does not fail the run, so the page says the run succeeded and lists them, each test
// with its offending rows.
import type { TransformNodeRow } from '../../warehouse/transformLedger';

export interface TransformSummary {
  runId: string;
  triggeredBy: string;
  startedAt: Date;
  endedAt: Date;
  models: number;
  tests: number;
  /** A model or a data test failed (as the run's outcome says: failures fail the run). */
  failed: boolean;
  /** Failed or skipped models, failed, erroring or skipped tests. */
  problems: TransformNodeRow[];
  /** Tests that warned (with their offending rows) and models built with a warning. */
  warnings: TransformNodeRow[];
}

const FINE = new Set(['success', 'current', 'pass']);
const FAILED = new Set(['error', 'fail']);

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
    failed: nodes.some((n) => FAILED.has(n.status)),
    problems: nodes.filter((n) => !FINE.has(n.status) && n.status !== 'warn'),
    warnings: nodes.filter((n) => n.status === 'warn'),
  };
}
