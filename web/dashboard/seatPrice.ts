// The hint a page gives where spend is not set: seat prices come only from the CLI, so say the
// command, with the page's workspace filled in.
import type { Filters } from './filters';

export const priceHint = (f: Filters) =>
  `No seat price is set for some or all of what is shown, so its spend is not set. Set one with: bbetl workspace price ${f.workspace.key} <amount> <currency> (add --from YYYY-MM-DD for a price that applied earlier; '*' instead of the workspace sets the default of every workspace), then let the transforms run.`;
