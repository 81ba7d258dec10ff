{#- A user in a workspace, as a per-user incremental build matches its rows: the row value
    `(workspace_uuid, user_uuid)`, which the planner hashes as it is; on BigQuery, which takes no
    row value before IN, the one string `workspace_uuid:user_uuid`. -#}
{% macro user_key(workspace_uuid='workspace_uuid', user_uuid='user_uuid') -%}
{%- if target.type == 'bigquery' -%}
{{ user_key_columns(workspace_uuid, user_uuid) }}
{%- else -%}
({{ user_key_columns(workspace_uuid, user_uuid) }})
{%- endif -%}
{%- endmacro %}

{#- user_key's select list: what a subquery of user keys selects. -#}
{% macro user_key_columns(workspace_uuid, user_uuid) -%}
{%- if target.type == 'bigquery' -%}
{{ workspace_uuid }} || ':' || {{ user_uuid }}
{%- else -%}
{{ workspace_uuid }}, {{ user_uuid }}
{%- endif -%}
{%- endmacro %}

{#- The users whose rows an incremental build of a per-user model recomputes, as user_key values (a
    subquery): every resolved user of an event int_source_events changed since the model's newest
    row was written, as the event is now and as it was before (its previous workspace, actor and
    author e-mail), resolved through int_identity_map as int_user_events resolves them. A change
    to the identity map is not followed here: it builds the model in full (it is no
    incremental input). An empty model: every user. -#}
{% macro changed_user_keys() -%}
(
  select {{ user_key_columns('changes.workspace_uuid', 'coalesce(changes.actor_uuid, identities.user_uuid)') }}
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

{#- int_source_events rows written after the model's newest row (all of them while it is empty):
    one comparison, which its index on _transformed_at serves. -#}
{% macro changed_since_model() -%}
_transformed_at > (
  select coalesce(max(_transformed_at), {{ timestamp_literal('1900-01-01T00:00:00Z') }}) from {{ this }}
)
{%- endmacro %}
