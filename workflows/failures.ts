import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure } from '@temporalio/workflow';
import type { FailureKind } from '../activities/contracts';

/** The error kind an activity (or a child workflow's activity) failed with, if any. */
export function failureKind(err: unknown): FailureKind | undefined {
  let cause: unknown = err;
  while (cause instanceof ActivityFailure || cause instanceof ChildWorkflowFailure) cause = cause.cause;
  return cause instanceof ApplicationFailure ? (cause.type as FailureKind | undefined) : undefined;
}

export function failureMessage(err: unknown): string {
  let cause: unknown = err;
  while ((cause instanceof ActivityFailure || cause instanceof ChildWorkflowFailure) && cause.cause)
    cause = cause.cause;
  return cause instanceof Error ? cause.message : String(cause);
}
