{{ config(materialized='table') }}
-- One row per repository ever extracted; repositories Bitbucket no longer lists are kept (is_deleted)
-- so that facts about them still find their repository.
with repositories as (
  select * from {{ ref('stg_repositories') }}
),

projects as (
  select * from {{ ref('stg_projects') }}
),

joined as (
  select
    r.uuid as repository_uuid,
    r.workspace_uuid,
    r.slug,
    r.name,
    r.full_name,
    r.project_uuid,
    -- the project's own record is the current one; the copy inside the repository may be older
    coalesce(p.project_key, r.project_key) as project_key,
    p.name as project_name,
    -- Bitbucket sends an empty string when it detected no language
    nullif(r.language, '') as language,
    r.is_private,
    r.mainbranch as main_branch,
    r.created_on as created_at,
    r.is_deleted
  from repositories r
  left join projects p on p.uuid = r.project_uuid
)

select * from joined
