{{ config(materialized='table') }}
-- One row per deployment (tombstoned ones left out) with its DORA measures; fct_deployments.yml
-- defines them. Commits are read tombstones and all: one no longer listed (say, its branch was
-- rewritten) still dates the change it shipped. Pull requests are read as fct_pull_requests reads them.
-- State and status are kept as sent, known or not: only SUCCESSFUL and FAILED mean success and failure.
with deployments_as_sent as (
  select * from {{ ref('stg_deployments') }}
  where not is_deleted
),

environments as (
  select * from {{ ref('stg_environments') }}
),

-- Real answers name some deployments' environment without its uuid: it is the repository's
-- environment of that name (one Bitbucket still lists before one it no longer does).
environments_by_name as (
  select
    repository_uuid,
    name,
    uuid,
    row_number() over (
      partition by repository_uuid, name
      order by is_deleted, _extracted_at desc, uuid
    ) as pick
  from environments
  where name is not null
),

deployments as (
  select
    d.uuid,
    d.workspace_uuid,
    d.repository_uuid,
    coalesce(d.environment_uuid, n.uuid) as environment_uuid,
    d.environment_name,
    d.environment_type,
    d.deployer_uuid,
    d.state_name,
    d.status_name,
    d.commit_hash,
    d.started_on,
    d.completed_on
  from deployments_as_sent d
  left join environments_by_name n
    on d.environment_uuid is null
    and n.repository_uuid = d.repository_uuid
    and n.name = d.environment_name
    and n.pick = 1
),

commits as (
  select * from {{ ref('stg_commits') }}
),

pullrequests as (
  select * from {{ ref('stg_pullrequests') }}
  where not is_deleted
),

pr_commits as (
  select * from {{ ref('stg_pr_commits') }}
  where not is_deleted
),

pr_first_commits as (
  select
    repository_uuid,
    pr_id,
    min(committed_at) as first_commit_at
  from pr_commits
  group by repository_uuid, pr_id
),

-- Merged pull requests with the merge commit Bitbucket names (abbreviated: 12 characters, at least
-- 7, git's shortest abbreviation) and when work on each started: its first commit, or its opening
-- when no commit listed is older (as in fct_pull_requests).
merged_pullrequests as (
  select
    p.record_key as pr_key,
    p.repository_uuid,
    p.created_on,
    p.merge_commit_hash,
    substr(p.merge_commit_hash, 1, 7) as merge_commit_prefix,
    case when f.first_commit_at < p.created_on then f.first_commit_at else p.created_on end
      as pr_started_at
  from pullrequests p
  left join pr_first_commits f
    on f.repository_uuid = p.repository_uuid and f.pr_id = p.pr_id
  where p.state = 'MERGED' and length(p.merge_commit_hash) >= 7
),

-- The pull request whose merge commit a deployment shipped: the deployment's full hash starts with
-- the abbreviated one. Joined on the first 7 characters (linear, not deployments × pull requests);
-- the whole abbreviation is compared above the ranking, so the planner does not multiply the
-- selectivity of expressions it has no statistics for into a one-row estimate (a nested loop).
merge_candidates as (
  select
    d.uuid as deployment_uuid,
    p.pr_key,
    p.pr_started_at,
    substr(d.commit_hash, 1, length(p.merge_commit_hash)) = p.merge_commit_hash as is_match,
    p.created_on
  from deployments d
  inner join merged_pullrequests p
    on p.repository_uuid = d.repository_uuid
    and p.merge_commit_prefix = substr(d.commit_hash, 1, 7)
),

merged_prs as (
  select
    deployment_uuid,
    pr_key,
    pr_started_at,
    is_match,
    row_number() over (
      partition by deployment_uuid order by case when is_match then 0 else 1 end, created_on, pr_key
    ) as pick
  from merge_candidates
),

-- Only the first success of a commit in an environment ships a change: redeploys and rollbacks
-- to a commit already there get no lead time. Without its environment a success cannot tell (no
-- lead time), nor restore a failure.
successes as (
  select
    uuid as deployment_uuid,
    environment_uuid,
    completed_on,
    row_number() over (
      partition by environment_uuid, commit_hash
      order by completed_on, uuid
    ) as nth_success_of_commit
  from deployments
  where status_name = 'SUCCESSFUL' and environment_uuid is not null
),

-- A failed deployment is restored by the next success in the same environment: strictly later,
-- so in each environment's order successes come before failures of the same instant, and the
-- restoration is the earliest success among the rows after the failure (one pass, not every
-- failure against every success). The window runs backwards (latest first) so that the rows
-- after a failure are the ones before it: a running minimum, where a frame that ends at the
-- partition's end is aggregated again for every row.
outcomes as (
  select deployment_uuid, environment_uuid, completed_on, 0 as failed
  from successes
  where completed_on is not null
  union all
  select uuid, environment_uuid, completed_on, 1 as failed
  from deployments
  where status_name = 'FAILED' and environment_uuid is not null and completed_on is not null
),

restorations as (
  select deployment_uuid, restored_on
  from (
    select
      deployment_uuid,
      failed,
      min(case when failed = 0 then completed_on end) over (
        partition by environment_uuid
        order by completed_on desc, failed desc, deployment_uuid desc
        rows between unbounded preceding and 1 preceding
      ) as restored_on
    from outcomes
  ) ordered
  where failed = 1
),

joined as (
  select
    d.uuid as deployment_uuid,
    d.workspace_uuid,
    d.repository_uuid,
    d.environment_uuid,
    coalesce(e.name, d.environment_name) as environment_name,
    coalesce(e.environment_type, d.environment_type) as environment_type,
    d.deployer_uuid,
    d.state_name as state,
    d.status_name as status,
    d.started_on,
    d.completed_on,
    d.commit_hash,
    c.committed_at,
    pr.pr_key,
    coalesce(pr.pr_started_at, c.committed_at) as change_started_at,
    coalesce(d.status_name = 'SUCCESSFUL', false) as is_successful,
    coalesce(d.status_name = 'FAILED', false) as is_failure,
    s.nth_success_of_commit = 1 as ships_change,
    r.restored_on
  from deployments d
  left join environments e on e.uuid = d.environment_uuid
  left join commits c on c.repository_uuid = d.repository_uuid and c.hash = d.commit_hash
  left join merged_prs pr on pr.deployment_uuid = d.uuid and pr.pick = 1 and pr.is_match
  left join successes s on s.deployment_uuid = d.uuid
  left join restorations r on r.deployment_uuid = d.uuid
),

final as (
  select
    deployment_uuid,
    workspace_uuid,
    repository_uuid,
    environment_uuid,
    environment_name,
    environment_type,
    deployer_uuid,
    state,
    status,
    started_on,
    completed_on,
    commit_hash,
    committed_at,
    pr_key,
    change_started_at,
    is_successful,
    is_failure,
    case
      when ships_change then {{ us_as_hours(duration_us('change_started_at', 'completed_on')) }}
    end as lead_time_hours,
    restored_on,
    {{ us_as_hours(duration_us('completed_on', 'restored_on')) }} as time_to_restore_hours
  from joined
)

select * from final
