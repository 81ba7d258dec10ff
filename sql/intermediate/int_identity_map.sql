{{ config(materialized='table') }}
-- Commit author e-mail → Bitbucket user, for commits Bitbucket did not link to an account:
--   mapped       set by hand in etl_meta.identity_map (`bbetl identities map`); always wins
--   email_match  the same address is linked to exactly one user on other commits
-- An address linked to several users is left unresolved rather than guessed.
with manual as (
  select lower(author_email) as author_email, user_uuid
  from {{ source('etl_meta', 'identity_map') }}
),

-- (The commit events carry the address already parsed: no pattern match of every commit again.)
linked_commits as (
  select author_email, actor_uuid as author_uuid
  from {{ ref('int_source_events') }}
  where feature = 'commit_authored' and actor_uuid is not null and not is_deleted
),

matched as (
  select author_email, min(author_uuid) as user_uuid
  from linked_commits
  where author_email is not null
  group by author_email
  having count(distinct author_uuid) = 1
),

resolved as (
  select author_email, user_uuid, 'mapped' as resolution from manual
  union all
  select author_email, user_uuid, 'email_match' as resolution
  from matched
  where author_email not in (select author_email from manual)
)

select * from resolved
