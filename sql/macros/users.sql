{#- A user in a workspace as one value, `workspace_uuid:user_uuid`: what a per-user incremental
    build matches its rows by (one column, the same on every engine). -#}
{% macro user_key(workspace_uuid='workspace_uuid', user_uuid='user_uuid') -%}
{{ workspace_uuid }} || ':' || {{ user_uuid }}
{%- endmacro %}

{#- The users whose rows an incremental build of a per-user model recomputes, as user_key values (a
    subquery): every resolved user of an event int_source_events changed since the model's newest
    row was written, as the event is now and as it was before (its previous workspace, actor and
    author e-mail), resolved through int_identity_map as int_user_events resolves them. A change
    to the identity map is not followed here: it builds the model in full (it is no
    incremental input). An empty model: every user. -#}
{% macro changed_user_keys() -%}
(
  select {{ user_key('changes.workspace_uuid', 'coalesce(changes.actor_uuid, identities.user_uuid)') }}
  from (
    select workspace_uuid, actor_uuid, author_email
    from {{ ref('int_source_events') }}
    where {{ changed_since_model() }}
    union all
    select previous_workspace_uuid, previous_actor_uuid, previous_author_email
    from {{ ref('int_source_events') }}
    where {{ changed_since_model() }}
  ) changes
  left join {{ ref('int_identity_map') }} identities
    on changes.actor_uuid is null and changes.author_email = identities.author_email
)
{%- endmacro %}

{#- int_source_events rows written after the model's newest row (all of them while it is empty). -#}
{% macro changed_since_model() -%}
(
  not exists (select 1 from {{ this }})
  or _transformed_at > (select max(_transformed_at) from {{ this }})
)
{%- endmacro %}
