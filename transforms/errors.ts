// The transform project's own failures, apart from the warehouse's: a project on disk that cannot
// be loaded, compiled or ordered is a ProjectError (what to fix is in the message, no stack
// needed); a model name that is not in the project is an UnknownModelError, with the names the
// caller may have meant; a model whose new relation would break a view on the old one is a
// DependentViewError.

/** The project on disk is wrong: a bad yml, a misplaced file, a template that does not render, a cycle. */
export class ProjectError extends Error {
  override name = 'ProjectError';
}

/** A model name (in a selector, a ref, a command) that names no model of the project. */
export class UnknownModelError extends ProjectError {
  override name = 'UnknownModelError';
  constructor(
    readonly model: string,
    context: string,
    /** Model names close to the one given, closest first. */
    readonly suggestions: readonly string[],
  ) {
    super(`${context}${suggestions.length ? `; did you mean ${suggestions.join(', ')}?` : ''}`);
  }
}

/**
 * Replacing a model's relation would break a view that depends on it (one a user made, or a model
 * not in the run): the old relation stays, and the message says what to do.
 */
export class DependentViewError extends Error {
  override name = 'DependentViewError';
  constructor(
    /** The view, quoted and qualified. */
    readonly view: string,
    readonly model: string,
    /** Why the view cannot be re-created, as the warehouse says it. */
    reason: string,
    /** The project model the view is, if it is one. */
    viewModel?: string,
  ) {
    // Postgres names the column as the view's SQL does: "label", or base.label.
    const column = /^column (?:\S+\.)?"?([^"]+?)"? does not exist$/.exec(reason)?.[1];
    const problem = column
      ? `depends on column "${column}", which the new version of model "${model}" no longer has`
      : `cannot be re-created on the new version of model "${model}" (${reason})`;
    const fix = viewModel
      ? `change model "${viewModel}", or run it together with "${model}" (e.g. --select ${model}+)`
      : `drop or change view ${view}, then run "${model}" again`;
    super(`view ${view} ${problem}, so "${model}" was not replaced: ${fix}`);
  }
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The candidates a mistyped `name` most likely meant (a few edits away, or containing it), closest first. */
export function closeNames(name: string, candidates: Iterable<string>, most = 3): string[] {
  const limit = Math.max(2, Math.floor(name.length / 3));
  return [...candidates]
    .map((candidate) => ({ candidate, distance: editDistance(name, candidate) }))
    .filter(({ candidate, distance }) => distance <= limit || (name.length >= 3 && candidate.includes(name)))
    .sort((a, b) => a.distance - b.distance || (a.candidate < b.candidate ? -1 : 1))
    .slice(0, most)
    .map(({ candidate }) => candidate);
}

/** What a caught value says: an Error's message, anything else as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
