// The workflow bundle's entry point: every workflow the worker registers.
export { backfill } from './backfill';
export { incrementalSync } from './incrementalSync';
export { syncRepository } from './syncRepository';
export { syncWorkspace } from './syncWorkspace';
