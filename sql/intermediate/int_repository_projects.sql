{{ config(materialized='table') }}
-- Which project each repository is in. A table of its own, apart from stg_repositories, whose rows
-- change with every push (updated_on, size): rebuilt into the same rows, it leaves the models
-- that read it current, and the project marts built by days (macros/windows.sql).
select uuid as repository_uuid, project_uuid
from {{ ref('stg_repositories') }}
where project_uuid is not null
