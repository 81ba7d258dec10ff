// Classic OAuth consumer scopes and what each implies (API-NOTES §1): pullrequest and project
// both give read access to repositories; a :write or :admin scope includes the read one.
export const DEFAULT_CONSUMER_SCOPES = ['account', 'repository', 'pullrequest', 'project', 'pipeline'];

const IMPLIES: Record<string, string[]> = {
  pullrequest: ['repository'],
  project: ['repository'],
};

export function expandScopes(granted: readonly string[]): Set<string> {
  const out = new Set<string>();
  const add = (scope: string) => {
    if (out.has(scope)) return;
    out.add(scope);
    const base = scope.replace(/:(write|admin)$/, '');
    if (base !== scope) add(base);
    for (const implied of IMPLIES[base] ?? []) add(implied);
  };
  for (const scope of granted) add(scope);
  return out;
}

export function hasScope(granted: readonly string[], needed: string): boolean {
  return expandScopes(granted).has(needed);
}
