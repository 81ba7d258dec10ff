// The transform project's own failures, apart from the warehouse's: a project on disk that cannot
// be loaded, compiled or ordered is a ProjectError (what to fix is in the message, no stack
// needed); a model name that is not in the project is an UnknownModelError, with the names the
// caller may have meant.

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
