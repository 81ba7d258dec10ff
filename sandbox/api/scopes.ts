// Classic OAuth consumer scopes and what each implies (API-NOTES §1): pullrequest and project
// both give read access to repositories; a :write or :admin scope includes the read one.
//
// `project:admin` is what the spec asks of GET …/projects/{key}/permissions-config/{groups,users};
// bbetl's consumer needs it to read project permissions (without it those streams are skipped as
// FORBIDDEN), so the sandbox's consumer has it by default.
export const DEFAULT_CONSUMER_SCOPES = [
  'account',
  'repository',
  'pullrequest',
  'project',
  'project:admin',
  'pipeline',
];

/**
 * API 1.0 groups (`GET /1.0/groups/{workspace}`) are not in the 2.0 spec. Atlassian's v1 pages name
 * no scope for them; we assume `account` (the 2.0 scope for workspace membership, API-NOTES §1)
 * or the legacy `team` scope ("team membership"), and the caller must be a workspace admin.
 */
export const V1_GROUPS_SCOPES = ['account', 'team'];

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
