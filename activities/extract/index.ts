// The extraction activities, bound to their dependencies. Their names are Temporal activity
// names: workflows call them by these names, so they do not change.
import type { RepositoryStream } from '../../bitbucket/streams/plan';
import type { RepoScope, SyncScope } from '../contracts';
import type { ActivityDeps } from '../deps';
import { extractPipelineSteps, extractPullRequestChildren } from './children';
import { extractRepositoryStream, repositoryExists } from './repository';
import { repositoriesPerWindow, repositoryPage, syncWorkspaceLevel } from './workspace';

export function createExtractActivities(deps: ActivityDeps) {
  return {
    syncWorkspaceLevel: (scope: SyncScope) => syncWorkspaceLevel(deps, scope),
    repositoryPage: (connectionId: string, workspaceUuid: string, offset: number, limit: number) =>
      repositoryPage(deps, connectionId, workspaceUuid, offset, limit),
    repositoriesPerWindow: (connectionId: string, workspaceUuid: string, untils: string[]) =>
      repositoriesPerWindow(deps, connectionId, workspaceUuid, untils),
    repositoryExists: (scope: RepoScope) => repositoryExists(deps, scope),
    extractRepositoryStream: (scope: RepoScope, stream: RepositoryStream) =>
      extractRepositoryStream(deps, scope, stream),
    extractPullRequestChildren: (scope: RepoScope) => extractPullRequestChildren(deps, scope),
    extractPipelineSteps: (scope: RepoScope) => extractPipelineSteps(deps, scope),
  };
}
