{{ config(materialized='table') }}
-- The catalogue of features int_user_events names, one row each.
select 'commit_authored' as feature, 'Commit authored' as display_name, 'A commit authored by the user, at its commit date.' as description
union all select 'pr_opened', 'Pull request opened', 'A pull request the user created.'
union all select 'pr_merged', 'Pull request merged', 'A pull request the user merged.'
union all select 'pr_declined', 'Pull request declined', 'A pull request the user declined.'
union all select 'pr_approved', 'Pull request approved', 'An approval the user gave a pull request.'
union all select 'pr_changes_requested', 'Changes requested', 'A request for changes the user made on a pull request.'
union all select 'pr_comment', 'Pull request comment', 'A comment the user wrote on a pull request.'
union all select 'pipeline_triggered', 'Pipeline triggered', 'A pipeline run the user started (scheduled runs are not counted).'
union all select 'deployment', 'Deployment', 'A deployment the user started.'
union all select 'pr_task_created', 'Pull request task created', 'A task the user created on a pull request, at its creation.'
union all select 'pr_task_resolved', 'Pull request task resolved', 'A pull request task the user resolved, at its resolution; a task reopened since does not count.'
