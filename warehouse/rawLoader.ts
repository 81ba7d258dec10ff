// Temporary: activities/extract.ts still imports these from here while another branch splits it.
// Once it imports from warehouse/raw/ (reconcile.ts, state.ts), delete this file.
export { existingKeys, markDeleted } from './raw/reconcile';
export { readState, writeState } from './raw/state';
